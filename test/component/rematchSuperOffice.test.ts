import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { makeCrmConnector } from '../../src/receiver/makeCrmConnector';
import { createLogger } from '../../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { untilDeliveryStatus } from '../support/adminHarness';
import { sendSigned } from '../support/limeReceiver';
import { buildPayload } from '../support/payloads';

// SuperOffice has no contact index (nothing tells the receiver of a new person), so its participants left without
// a person are matched again by the daily sweep (issue 19 item 2): the receiver's `participants.rematch('all')`, what
// the sweep's timer runs. Real SuperOfficeConnector and @superoffice/webapi agents over HTTP to the emulator.

const WEBHOOK_SECRET = 'rematch-superoffice-secret';
const TICKET = '7T:rematch-ticket';

let dataDir: string;
let so: SuperOfficeEmulator;
let ids: ReturnType<typeof seedDemoData>;
let receiver: RunningReceiver;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rematch-superoffice-'));
  so = await startSuperOfficeEmulator({ tokens: [TICKET] });
  ids = seedDemoData(so);
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: WEBHOOK_SECRET,
    CRM: 'superoffice',
    SUPEROFFICE_URL: so.baseUrl,
    SUPEROFFICE_AUTH: 'ticket',
    SUPEROFFICE_TICKET: TICKET,
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
  });
  receiver = await startReceiver(config, { logger: createLogger('silent'), makeCrmConnector, host: '127.0.0.1' });
});
afterEach(async () => {
  await receiver.close();
  await so.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('re-matching on SuperOffice: the daily sweep', () => {
  it('a participant nobody matched gets one appointment once the person exists, marked matched later', async () => {
    const payload = buildPayload({
      id: 'conv-so-rematch',
      participants: [{ name: 'Dora Dahl', email: 'dora.dahl@acme.se', role: 'customer' }],
    });
    expect(await sendSigned(receiver, payload, WEBHOOK_SECRET)).toBe(202);
    const row = await untilDeliveryStatus(receiver, 'conv-so-rematch', 'delivered');
    // acme.se is Acme's domain for certain (company notes on by default): one appointment on Acme alone.
    expect((await receiver.store.getDelivery(row.id))?.outcomes[0]).toMatchObject({
      outcome: 'company_note',
      companyId: ids.contacts.acme,
    });
    const onCompanyAlone = () =>
      so.appointments().filter((appointment) => appointment.contactId === ids.contacts.acme && !appointment.personId);
    expect(so.appointments()).toHaveLength(1);
    expect(onCompanyAlone()).toHaveLength(1);

    // Nothing new in SuperOffice yet: the sweep asks, finds only the company again, writes no second appointment
    // and does not count the participant as matched later.
    expect(await receiver.participants.rematch('all')).toEqual({ deliveries: 1, resolved: 0 });
    expect(so.appointments()).toHaveLength(1);
    expect((await receiver.store.getDelivery(row.id))?.outcomes[0]?.resolvedLater).toBeUndefined();

    const dora = so.addPerson({
      firstname: 'Dora',
      lastname: 'Dahl',
      contactId: ids.contacts.acme,
      emails: ['dora.dahl@acme.se'],
    });
    expect(await receiver.participants.rematch('all')).toEqual({ deliveries: 1, resolved: 1 });
    // Dora's own appointment; the company's stays as it was.
    expect(so.appointments().filter((appointment) => appointment.personId === dora)).toHaveLength(1);
    expect(onCompanyAlone()).toHaveLength(1);
    expect((await receiver.store.getDelivery(row.id))?.outcomes[0]).toMatchObject({
      outcome: 'written',
      personId: dora,
      companyId: ids.contacts.acme,
      resolvedLater: { how: 'rematch' },
    });

    // The next sweep has nothing left to do: still Dora's and the company's.
    expect(await receiver.participants.rematch('all')).toEqual({ deliveries: 0, resolved: 0 });
    expect(so.appointments()).toHaveLength(2);
  }, 30_000);

  it('an admin assigns a SuperOffice person by id; an id SuperOffice does not have is refused clearly', async () => {
    const payload = buildPayload({
      id: 'conv-so-assign',
      participants: [{ name: 'Caller', email: 'caller@gmail.com', role: 'customer' }],
    });
    expect(await sendSigned(receiver, payload, WEBHOOK_SECRET)).toBe(202);
    const row = await untilDeliveryStatus(receiver, 'conv-so-assign', 'delivered');
    const unknown = await receiver.participants.assign({
      deliveryId: row.id,
      participantIndex: 0,
      personId: 424242,
      by: 'admin',
    });
    expect(unknown).toEqual({
      kind: 'refused',
      code: 'person_not_found',
      message: 'SuperOffice has no person 424242 (a wrong id, or deleted): nothing was written.',
    });
    const assigned = await receiver.participants.assign({
      deliveryId: row.id,
      participantIndex: 0,
      personId: ids.persons.anna,
      by: 'admin',
    });
    expect(assigned).toMatchObject({ kind: 'written', outcome: { personId: ids.persons.anna, matchedBy: 'assigned' } });
    expect(so.appointments().map((appointment) => appointment.personId)).toEqual([ids.persons.anna]);
  }, 30_000);
});
