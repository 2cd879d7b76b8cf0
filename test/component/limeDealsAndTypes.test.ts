import { parseHistoryTypeMap, type HistoryTypeMap } from '../../src/core';
import { CrmError } from '../../src/crm/crmError';
import { coreModel, type LimeEmulator } from '../../src/sandbox/lime';
import { buildSummary } from '../support/payloads';
import { closeAll, connectTo, DELIVER, notesOf, startLime } from '../support/lime';

afterEach(closeAll);

function mapOf(text: string): HistoryTypeMap {
  const read = parseHistoryTypeMap(text);
  if (!read.ok) throw new Error(read.problems.join('; '));
  return read.map;
}

/** Three companies with a customer each: Acme with `acme` deals, Beta with `beta`, Gamma with none. */
function seed(lime: LimeEmulator, acmeStatuses: string[], betaStatuses: string[]) {
  const company = (name: string, statuses: string[]) => {
    const id = lime.insert('company', { name });
    const deals = statuses.map((dealstatus, index) =>
      lime.insert('deal', { name: `${name} deal ${index + 1}`, value: 1000, dealstatus, company: id }),
    );
    return { id, deals };
  };
  const acme = company('Acme AB', acmeStatuses);
  const beta = company('Beta AB', betaStatuses);
  const gamma = company('Gamma AB', []);
  const anna = lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', company: acme.id });
  const bo = lime.insert('person', { firstname: 'Bo', email: 'bo@beta.se', company: beta.id });
  const cia = lime.insert('person', { firstname: 'Cia', email: 'cia@gamma.se', company: gamma.id });
  return { acme, beta, gamma, anna, bo, cia };
}

const meeting = (fields: { medium?: string; conversation_type?: string } = {}) =>
  buildSummary({
    ...fields,
    participants: [
      { role: 'customer', email: 'anna@acme.se' },
      { role: 'customer', email: 'bo@beta.se' },
      { role: 'customer', email: 'cia@gamma.se' },
    ],
  });

const queriesOf = (lime: LimeEmulator, limetype: string) =>
  lime.requests.filter(
    (request) =>
      request.path.endsWith('/query/') && decodeURIComponent(request.query).includes(`"limetype":"${limetype}"`),
  );

describe("Lime: a note is linked to its company's only open deal (LINK_DEAL)", () => {
  it('one open deal (won and lost ones ignored) is linked; two open or none are not, and the trace says so', async () => {
    const lime = await startLime();
    // Acme: one open deal beside a won (agreement) and a lost (rejection) one; Beta: two open deals; Gamma: none.
    const { acme, beta, gamma, anna, bo, cia } = seed(
      lime,
      ['agreement', 'tender', 'rejection'],
      ['contact', 'onhold'],
    );
    const report = await connectTo(lime, { linkDeal: true }).deliver(meeting(), { ...DELIVER, linkDeal: true });

    expect(report.outcomes.map((outcome) => outcome.outcome)).toEqual(['written', 'written', 'written']);
    expect(notesOf(lime, anna)[0]?.['deal']).toBe(acme.deals[1]);
    expect(notesOf(lime, bo)[0]?.['deal']).toBeNull();
    expect(notesOf(lime, cia)[0]?.['deal']).toBeNull();
    expect(report.outcomes[0]?.trace).toContain(
      `→ deal ${acme.deals[1]} linked (company ${acme.id}'s only open deal) → note`,
    );
    expect(report.outcomes[1]?.trace).toContain(`→ company ${beta.id} has 2 open deals → not linked → note`);
    expect(report.outcomes[2]?.trace).toContain(`→ company ${gamma.id} has no open deal → not linked → note`);
    // One deal lookup for the meeting's three companies.
    expect(queriesOf(lime, 'deal')).toHaveLength(1);
  });

  it('a closed deal is still linkable in Lime itself: only our policy leaves it out', async () => {
    const lime = await startLime();
    const { acme, anna } = seed(lime, ['agreement'], []);
    const report = await connectTo(lime, { linkDeal: true }).deliver(meeting(), { ...DELIVER, linkDeal: true });
    expect(notesOf(lime, anna)[0]?.['deal']).toBeNull();
    expect(report.outcomes[0]?.trace).toContain(`company ${acme.id} has no open deal → not linked`);
    const noteId = Number(report.outcomes[0]?.noteId);
    const res = await fetch(`${lime.baseUrl}/api/v1/limeobject/history/${noteId}/`, {
      method: 'PUT',
      headers: { 'x-api-key': 'test-api-key', 'content-type': 'application/json' },
      body: JSON.stringify({ deal: acme.deals[0] }),
    });
    expect(res.status).toBe(200);
  });

  it('with LINK_DEAL off (the default) no deal is looked up or linked', async () => {
    const lime = await startLime();
    const { anna } = seed(lime, ['tender'], []);
    const report = await connectTo(lime).deliver(meeting(), DELIVER);
    expect(notesOf(lime, anna)[0]?.['deal']).toBeNull();
    expect(report.outcomes[0]?.trace).not.toContain('deal');
    expect(queriesOf(lime, 'deal')).toHaveLength(0);
    expect(lime.requests.some((request) => request.path.includes('limetype/deal'))).toBe(false);
  });

  it('without history.deal, Test connection and a delivery name the missing relation (a schema problem)', async () => {
    const model = coreModel();
    const history = model.limetypes['history'];
    if (history) history.properties = history.properties.filter((property) => property.name !== 'deal');
    const lime = await startLime({ model });
    seed(lime, ['tender'], []);
    const connector = connectTo(lime, { linkDeal: true });
    const check = await connector.testConnection();
    expect(check.ok).toBe(false);
    expect(check.code).toBe('schema_mismatch');
    expect(check.steps.at(-1)?.message).toContain(
      'Linking notes to deals needs history.deal, a relation to deal: this Lime application has no such property; add the relation or turn linking to deals (LINK_DEAL) off.',
    );
    const failure = await connector.deliver(meeting(), { ...DELIVER, linkDeal: true }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CrmError);
    expect((failure as CrmError).code).toBe('schema_mismatch');
    expect(lime.all('history')).toHaveLength(0);
  });
});

describe('Lime: the history type by meeting type (HISTORY_TYPE_MAP)', () => {
  it('a phone call is filed with the mapped type, a demo by its conversation type, others with the fallback', async () => {
    const lime = await startLime();
    const { anna } = seed(lime, [], []);
    const connector = connectTo(lime, {
      historyTypeMap: mapOf('medium:call=talkedto, conversation_type:demo=customervisit'),
    });
    const typeOf = async (fields: { medium?: string; conversation_type?: string }) => {
      const summary = meeting(fields);
      await connector.deliver(summary, DELIVER);
      const note = lime
        .all('history')
        .find((each) => each['person'] === anna && String(each['note']).includes(summary.conversationId));
      return (note?.['type'] as { key?: string } | undefined)?.key;
    };
    expect(await typeOf({ medium: 'call' })).toBe('talkedto');
    expect(await typeOf({ medium: 'Call', conversation_type: 'Demo' })).toBe('customervisit');
    expect(await typeOf({ medium: 'video' })).toBe('comment');
  });

  it('an unknown type in the map fails Test connection and the delivery, naming the entry and the types Lime has', async () => {
    const lime = await startLime();
    seed(lime, [], []);
    const connector = connectTo(lime, { historyTypeMap: mapOf('medium:call=phonecall') });
    const check = await connector.testConnection();
    expect(check).toMatchObject({ ok: false, code: 'schema_mismatch' });
    expect(check.steps.at(-1)?.message).toContain(
      'HISTORY_TYPE_MAP medium:call=phonecall: "phonecall" is not a history type (an active option of history.type) Lime offers (offered: comment, customervisit, talkedto, salescall, sentemail, receivedemail, noanswer).',
    );
    await expect(connector.deliver(meeting({ medium: 'call' }), DELIVER)).rejects.toMatchObject({
      code: 'schema_mismatch',
    });
    expect(lime.all('history')).toHaveLength(0);
  });
});
