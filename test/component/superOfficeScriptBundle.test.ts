// The built SuperOffice script carries libphonenumber's metadata for a list of regions only
// (src/superoffice-script/phoneRegions.json, scripts/buildSuperOfficeScript.js): numbers of those regions read as
// in the receiver, a number elsewhere is never matched, and a phoneRegion outside the list is refused by name.
import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { buildPayload } from '../support/payloads';
import { buildSuperOfficeScript, webApiFor, runScript, withConfig } from '../support/superOfficeScript';

const TOKEN = 'test-token';
let script: string;
let so: SuperOfficeEmulator;
let acmeId: number;

beforeAll(() => {
  script = buildSuperOfficeScript();
});
beforeEach(async () => {
  so = await startSuperOfficeEmulator({ tokens: [TOKEN] });
  acmeId = seedDemoData(so).contacts.acme;
});
afterEach(() => so.close());

const run = (payload: unknown, text = script) =>
  runScript(text, webApiFor(so.baseUrl, TOKEN), { body: JSON.stringify(payload) });
const firstResult = (body: Record<string, unknown>) => (body['results'] as Array<Record<string, unknown>>)[0];
const caller = (phone: string) => buildPayload({ participants: [{ name: 'Caller', phone, role: 'customer' }] });

describe('the SuperOffice script reads phone numbers of the regions it carries', () => {
  it('with phoneRegion NO, a Norwegian mobile written without country code matches the person stored with +47', async () => {
    const ola = so.addPerson({
      firstname: 'Ola',
      lastname: 'Nordmann',
      contactId: acmeId,
      mobilePhones: ['+47 412 34 567'],
    });
    const answer = await run(caller('412 34 567'), withConfig(script, 'phoneRegion', "'NO'"));
    expect(firstResult(answer.body)).toMatchObject({ outcome: 'written', personId: ola });
  });

  it('a German number written internationally matches the person stored with it', async () => {
    const hans = so.addPerson({
      firstname: 'Hans',
      lastname: 'Berg',
      contactId: acmeId,
      officePhones: ['+49 30 12345678'],
    });
    const answer = await run(caller('+49 (0)30 1234 5678'));
    expect(firstResult(answer.body)).toMatchObject({ outcome: 'written', personId: hans });
  });

  it('a number of a region the script does not carry is never matched, even to a person stored with it', async () => {
    so.addPerson({ firstname: 'Yuki', lastname: 'Sato', contactId: acmeId, officePhones: ['+81 3-1234-5678'] });
    const answer = await run(caller('+81 3 1234 5678'));
    expect(firstResult(answer.body)).not.toMatchObject({ outcome: 'written' });
    expect(so.appointments()).toEqual([]);
  });

  it('a phoneRegion outside the list answers 500 naming the regions it may be', async () => {
    const answer = await run(caller('+46701234567'), withConfig(script, 'phoneRegion', "'JP'"));
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).toContain(
      'phoneRegion must be one of the regions the script reads phone numbers in: SE, NO, DK, FI',
    );
    expect(so.appointments()).toEqual([]);
  });

  it('a noteLanguage the script does not know answers 500 naming the languages it may be, and writes nothing', async () => {
    so.addPerson({ firstname: 'Ola', lastname: 'Nordmann', contactId: acmeId, mobilePhones: ['+46 73 987 65 43'] });
    const answer = await run(caller('073-987 65 43'), withConfig(script, 'noteLanguage', "'se'"));
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).toContain("noteLanguage must be one of 'en', 'sv', 'nb', 'da', 'fi'");
    expect(so.appointments()).toEqual([]);
  });

  it('with noteLanguage left out of an older configuration block, notes are in English', async () => {
    const ola = so.addPerson({
      firstname: 'Ola',
      lastname: 'Nordmann',
      contactId: acmeId,
      mobilePhones: ['+46 73 987 65 43'],
    });
    const older = script.replace(/^ {2}\/\/ Language of the appointment's text.*\n {2}noteLanguage: .*\n/mu, '');
    expect(older).not.toMatch(/^ {2}noteLanguage:/mu);
    const answer = await run(caller('073-987 65 43'), older);
    expect(firstResult(answer.body)).toMatchObject({ outcome: 'written', personId: ola });
    expect(so.appointments()[0]?.description).toMatch(/^Meeting: .*\n[\s\S]*\nSummary:\n/u);
  });

  it('with noteLanguage "fi", the follow-up is in Finnish, dates in the Finnish form', async () => {
    const ola = so.addPerson({
      firstname: 'Ola',
      lastname: 'Nordmann',
      contactId: acmeId,
      mobilePhones: ['+46 73 987 65 43'],
    });
    const answer = await run(caller('073-987 65 43'), withConfig(script, 'noteLanguage', "'fi'"));
    expect(firstResult(answer.body)).toMatchObject({ outcome: 'written', personId: ola });
    const [appointment] = so.appointments();
    expect(appointment?.description).toMatch(/^Kokous: \d{1,2}\.\d{1,2}\.2026 klo \d{1,2}\.\d\d/u);
    expect(appointment?.description).toContain('\n\nOsallistujat:\n');
    expect(appointment?.description).toContain('\n\nYhteenveto:\n');
  });

  it("a setting with no message of its own still gets zod's English wording (the script carries zod/mini)", async () => {
    const answer = await run(caller('+46701234567'), withConfig(script, 'maxDescriptionLength', '10'));
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).toContain('Too small: expected number to be >=200');
  });
});
