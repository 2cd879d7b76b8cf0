import { signDci } from '../../src/receiver/ingest/signWebhook';
import { erasePerson } from '../../src/receiver/privacy/erasePerson';
import { ADMIN_WEBHOOK_SECRET, signInAdmin, startAdminReceiver } from '../support/adminHarness';
import { closeAll } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';

jest.setTimeout(60_000);

// Support asks for "the receiver's e-mail/phone used for matching" (the seed's What to send to Support): the
// deliveries page finds a meeting by a participant's e-mail or number, written any way, through the keyed lookup
// rows (the database has no searchable copy of either).
describe('searching the deliveries by a participant', () => {
  let env: Awaited<ReturnType<typeof startAdminReceiver>>;
  let agent: Awaited<ReturnType<typeof signInAdmin>>['agent'];
  const ids: Record<'anna' | 'bo', string> = { anna: '', bo: '' };

  async function push(conversationId: string, participant: Record<string, unknown>) {
    const body = JSON.stringify(
      buildPayload({ id: conversationId, title: `Review ${conversationId}`, participants: [participant] }),
    );
    const response = await fetch(`${env.receiver.url}/api/v1/dci/webhook`, {
      method: 'POST',
      headers: signDci(body, ADMIN_WEBHOOK_SECRET),
      body,
    });
    expect(response.status).toBe(202);
  }

  /** The deliveries the page lists for a search, by id. */
  async function found(q: string): Promise<string[]> {
    const page = await agent.get('/admin/deliveries').query({ q });
    expect(page.status).toBe(200);
    return [...page.text.matchAll(/href="\/admin\/deliveries\/([^"/]+)"/gu)].map((match) => match[1] ?? '');
  }

  beforeAll(async () => {
    env = await startAdminReceiver();
    await push(
      'conv-search-anna',
      buildParticipant({ name: 'Anna Andersson', email: 'anna.andersson@acme.se', mobile_phone: '070-123 45 67' }),
    );
    await push('conv-search-bo', buildParticipant({ name: 'Bo Berg', email: 'bo@berg.no', phone: '+47 22 12 34 56' }));
    for (const [who, conversation] of [
      ['anna', 'conv-search-anna'],
      ['bo', 'conv-search-bo'],
    ] as const) {
      const [row] = await env.receiver.store.listDeliveries({ search: conversation, limit: 1 });
      ids[who] = row?.id ?? '';
    }
    ({ agent } = await signInAdmin(env.receiver.url));
  });
  afterAll(async () => {
    await env?.close();
    await closeAll();
  });

  it('an e-mail, in any case, finds the meetings that participant was in', async () => {
    expect(await found('Anna.Andersson@ACME.se')).toEqual([ids.anna]);
    expect(await found('bo@berg.no')).toEqual([ids.bo]);
    expect(await found('nobody@acme.se')).toEqual([]);
  });

  it('a phone number written otherwise than in the payload finds it (national, international, 00 forms)', async () => {
    for (const written of ['+46 70 123 45 67', '0701234567', '0046 70-123 45 67']) {
      expect(await found(written)).toEqual([ids.anna]);
    }
    expect(await found('22 12 34 56')).toEqual([]); // Norwegian, but read as Swedish (DEFAULT_PHONE_REGION=SE)
    expect(await found('+4722123456')).toEqual([ids.bo]);
  });

  it('titles and conversation ids are found as before, and the page says what it searched', async () => {
    expect(await found('conv-search-bo')).toEqual([ids.bo]);
    expect(await found('review conv-search-anna')).toEqual([ids.anna]);
    const page = await agent.get('/admin/deliveries').query({ q: '+46 70 123 45 67' });
    expect(page.text).toContain("participants' phone numbers");
    expect(page.text).toContain("Search by a participant's e-mail or phone number");
  });

  it('after the person is erased, a search by their e-mail or number finds nothing', async () => {
    await erasePerson(env.receiver.store, 'anna.andersson@acme.se', new Date(), env.receiver.participantKeys.key);

    expect(await found('anna.andersson@acme.se')).toEqual([]);
    expect(await found('070-123 45 67')).toEqual([]);
    expect(await found('bo@berg.no')).toEqual([ids.bo]);
  });
});
