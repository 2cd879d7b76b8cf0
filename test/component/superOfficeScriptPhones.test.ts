import { startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { buildPayload } from '../support/payloads';
import { buildSuperOfficeScript, webApiFor, runScript, withConfig } from '../support/superOfficeScript';

// Phone matching against SuperOffice's stripped search column (`searchPhone/formattedNumber`): the emulator
// compares it with "46701234567" only (src/sandbox/superoffice/searchPhoneNumber.ts), so each number here is
// stored in a written form the script's list of written forms does not contain.

const TOKEN = 'test-token';
let script: string;
let so: SuperOfficeEmulator;
let customer: number;

beforeAll(() => {
  script = withConfig(buildSuperOfficeScript(), 'internalDomains', "['seller.se']");
});
beforeEach(async () => {
  so = await startSuperOfficeEmulator({ tokens: [TOKEN] });
  const seller = so.addContact({ name: 'Seller AB' });
  const sara = so.addPerson({ firstname: 'Sara', lastname: 'Säljare', contactId: seller, emails: ['sara@seller.se'] });
  so.addAssociate({ personId: sara, name: 'SARA' });
  so.addTaskListItem({ value: 'Meeting' });
  customer = so.addContact({ name: 'Kund AB', phones: ['+46 (0)8-555 000 00'] });
});
afterEach(() => so.close());

const callWith = async (participant: Record<string, string>) => {
  const answer = await runScript(script, webApiFor(so.baseUrl, TOKEN), {
    body: JSON.stringify(buildPayload({ participants: [{ ...participant, role: 'customer' }] })),
  });
  expect(answer.status).toBe(200);
  return (answer.body['results'] as Array<Record<string, unknown>>)[0];
};
/** The archive searches made for the participant (the presenter's own lookup, once per meeting, left out). */
const participantSearches = () =>
  so.requests.filter(
    (entry) =>
      entry.path.endsWith('/GetArchiveListByColumns2') && !JSON.stringify(entry.body).includes('sara@seller.se'),
  );

describe('the SuperOffice script finds people by phone through the stripped search column', () => {
  it('a number stored as "+46 (0)70-123 45 67" is found from "0701234567"', async () => {
    const klara = so.addPerson({ firstname: 'Klara', contactId: customer, mobilePhones: ['+46 (0)70-123 45 67'] });
    const result = await callWith({ phone: '0701234567' });
    expect(result).toMatchObject({
      outcome: 'written',
      personId: klara,
      trace: expect.stringContaining('mobile +46701234567'),
    });
    expect(so.appointments().map((appointment) => appointment.personId)).toEqual([klara]);
  });

  it('a direct phone stored as "+46 8-123 456 78" is found from "08-123 456 78", by phone', async () => {
    const erik = so.addPerson({ firstname: 'Erik', contactId: customer, officePhones: ['+46 8-123 456 78'] });
    expect(await callWith({ phone: '08-123 456 78' })).toMatchObject({
      outcome: 'written',
      personId: erik,
      trace: expect.stringContaining('phone +46812345678'),
    });
  });

  it("when the participant's phone is one person's direct phone and the mobile another's mobile, the mobile wins", async () => {
    so.addPerson({ firstname: 'Dora', contactId: customer, officePhones: ['0046 (0)8-123 456 78'] });
    const maja = so.addPerson({ firstname: 'Maja', contactId: customer, mobilePhones: ['+46 (0)70-765 43 21'] });
    expect(await callWith({ phone: '08-123 456 78', mobile_phone: '070-765 43 21' })).toMatchObject({
      outcome: 'written',
      personId: maja,
      trace: expect.stringContaining('mobile +46707654321'),
    });
  });

  it('a switchboard number stored as "+46 (0)8-555 000 00" finds the company and picks no person: a company note', async () => {
    expect(await callWith({ phone: '08-555 000 00' })).toMatchObject({ outcome: 'company_note', contactId: customer });
    expect(so.appointments().map((appointment) => [appointment.personId, appointment.contactId])).toEqual([
      [0, customer],
    ]);
  });

  it('a participant with two phones costs three archive searches after the e-mail one: its domain, persons, companies', async () => {
    await callWith({ email: 'okand@nykund.se', phone: '08-111 22 33', mobile_phone: '070-111 22 33' });
    const restrictions = participantSearches().map((entry) => (entry.body as { restrictions: string }).restrictions);
    expect(restrictions).toHaveLength(4);
    expect(restrictions[0]).toBe("email/emailAddress is 'okand@nykund.se'");
    // Company notes (the script's default): the persons at the unknown e-mail's domain.
    expect(restrictions[1]).toBe("email/emailAddress contains '@nykund.se'");
    for (const restriction of restrictions.slice(2)) {
      expect(restriction).toContain("searchPhone/formattedNumber in ('46701112233'");
      expect(restriction).toContain("'4681112233'");
    }
  });
});
