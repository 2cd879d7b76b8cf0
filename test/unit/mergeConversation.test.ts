import fc from 'fast-check';
import { parseSummaryPayload } from '../../src/core';
import { missingParts } from '../../src/receiver/enrich/enrichPayload';
import { mergeConversation } from '../../src/receiver/enrich/mergeConversation';
import { conversationFingerprint, restPayload } from '../../src/receiver/poll/restPayload';

// The documented webhook body (shared/specs/dci-api.md §3.3): no links, notes, end time or phones.
const webhookConversation = () => ({
  id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  title: 'Discovery call — Acme',
  company: 'Acme',
  date: '2026-02-07T09:00:00.000Z',
  duration: 1800,
  medium: 'call',
  sentiment: 'positive',
  conversation_type: 'sales',
  summary: 'Summary text...',
  department: { id: '11111111-0000-0000-0000-000000000001', name: 'B2B Sales' },
  user: { id: '67c869eb-30b1-4eb3-bd2c-be8c912a9827', name: 'Erik Lindström', email: 'erik.lindstrom@telco-demo.test' },
  participants: [{ name: 'Jane Doe', email: 'jane@acme.com', role: 'customer' }],
});

const payloadOf = (conversation: Record<string, unknown>) => ({
  event: 'conversation.completed',
  timestamp: '2026-02-08T00:00:00.000Z',
  data: { conversation },
});

describe('merging DCI REST data into a webhook payload', () => {
  it('REST fills what the webhook lacks (links, notes, end time, phones) and the webhook wins where both speak', () => {
    const merged = mergeConversation(webhookConversation(), {
      id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      title: 'A different title from REST',
      summary: '',
      notes: 'Customer wants a quote by Friday.',
      end_date: '2026-02-07T09:31:00.000Z',
      url: 'https://app.dci.example/conversations/aaaaaaaa',
      participants: [
        { name: 'Jane Doe', email: 'JANE@acme.com', phone: '+46 70 123 45 67', mobile_phone: '0701234567' },
      ],
    });
    expect(merged).toMatchObject({
      title: 'Discovery call — Acme',
      summary: 'Summary text...',
      notes: 'Customer wants a quote by Friday.',
      end_date: '2026-02-07T09:31:00.000Z',
      url: 'https://app.dci.example/conversations/aaaaaaaa',
      participants: [
        {
          name: 'Jane Doe',
          email: 'jane@acme.com',
          role: 'customer',
          phone: '+46 70 123 45 67',
          mobile_phone: '0701234567',
        },
      ],
    });
    const parsed = parseSummaryPayload(payloadOf(merged));
    expect(parsed.ok && missingParts(parsed.summary)).toEqual(['recording link']);
  });

  it('participants pair by e-mail first, then by a unique name; a caller only REST knows is added at the end', () => {
    const base = {
      ...webhookConversation(),
      participants: [
        { name: 'Jane Doe', email: 'jane@acme.com' },
        { name: 'Per Olsson', email: 'per@other.se' },
        { name: 'Kim Berg' },
      ],
    };
    const merged = mergeConversation(base, {
      id: base.id,
      participants: [
        { name: 'Kim Berg', phone: '08-123 456 78' },
        { name: 'Someone', email: 'per@other.se', mobile_phone: '+4670999' },
        { name: 'Jane D.', email: 'jane@acme.com', phone: '+4670111' },
        { name: 'Unknown caller', phone: '+4631555' },
      ],
    });
    expect(merged['participants']).toEqual([
      { name: 'Jane Doe', email: 'jane@acme.com', phone: '+4670111' },
      { name: 'Per Olsson', email: 'per@other.se', mobile_phone: '+4670999' },
      { name: 'Kim Berg', phone: '08-123 456 78' },
      { name: 'Unknown caller', phone: '+4631555' },
    ]);
  });

  it("two people with the same name and different e-mails are not paired: neither gets the other one's phone", () => {
    const base = { ...webhookConversation(), participants: [{ name: 'Jane Doe', email: 'jane@acme.com' }] };
    const merged = mergeConversation(base, {
      id: base.id,
      participants: [{ name: 'Jane Doe', email: 'jdoe@other.com', phone: '+4670999' }],
    });
    expect(merged['participants']).toEqual([
      { name: 'Jane Doe', email: 'jane@acme.com' },
      { name: 'Jane Doe', email: 'jdoe@other.com', phone: '+4670999' },
    ]);
  });

  it('a name two people share pairs nobody; position pairs only lists where nobody has a name or e-mail', () => {
    const twins = { ...webhookConversation(), participants: [{ name: 'Kim Berg' }, { name: 'Kim Berg' }] };
    const rest = {
      id: twins.id,
      participants: [
        { name: 'Kim Berg', phone: '+461' },
        { name: 'Kim Berg', phone: '+462' },
      ],
    };
    expect(mergeConversation(twins, rest)['participants']).toHaveLength(4);

    const anonymous = { ...webhookConversation(), participants: [{ role: 'customer' }] };
    expect(mergeConversation(anonymous, { id: 'x', participants: [{ phone: '+463' }] })['participants']).toEqual([
      { role: 'customer', phone: '+463' },
    ]);
    // A participant with a name never pairs by position with one that has none.
    const named = { ...webhookConversation(), participants: [{ name: 'Kim Berg' }] };
    expect(mergeConversation(named, { id: 'x', participants: [{ phone: '+463' }] })['participants']).toEqual([
      { name: 'Kim Berg' },
      { phone: '+463' },
    ]);
  });

  it('never changes its inputs, and merging nothing changes nothing', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), (a, b) => {
        const before = JSON.stringify([a, b]);
        const merged = mergeConversation(a, b);
        expect(JSON.stringify([a, b])).toBe(before);
        for (const [name, value] of Object.entries(a)) {
          if (name !== 'participants' && value !== null && !(typeof value === 'string' && value.trim() === '')) {
            expect(merged[name]).toEqual(value);
          }
        }
      }),
    );
    expect(mergeConversation(webhookConversation(), {})).toEqual(webhookConversation());
  });
});

describe('a conversation read from REST, stored as a webhook would have brought it', () => {
  it('a webhook and a poll of the same meeting have the same fingerprint; a regenerated summary does not', () => {
    const webhook = webhookConversation();
    const rest = {
      ...webhook,
      date: '2026-02-07T10:00:00+01:00',
      notes: 'n',
      participants: [{ name: 'Jane Doe', email: 'Jane@Acme.com', role: 'customer', phone: '+4670111' }],
    };
    expect(conversationFingerprint(rest)).toBe(conversationFingerprint(webhook));
    expect(conversationFingerprint({ ...rest, summary: 'A regenerated summary.' })).not.toBe(
      conversationFingerprint(webhook),
    );
  });

  it('is a valid conversation.completed body, marked as read from REST, keyed by conversation and content', () => {
    const readAt = new Date('2026-02-08T12:00:00Z');
    const payload = restPayload({ ...webhookConversation(), updated_at: '2026-02-07T09:40:00.000Z' }, readAt);
    expect(payload.ok).toBe(true);
    if (!payload.ok) return;
    expect(payload.deliveryKey).toMatch(/^dci-rest:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee:[0-9a-f]{32}$/u);
    expect(payload.eventTimestamp).toBe('2026-02-07T09:40:00.000Z');
    expect(JSON.parse(payload.rawBody.toString('utf8'))).toMatchObject({
      event: 'conversation.completed',
      _meta: { source: 'dci-rest' },
    });
    expect(restPayload({ ...webhookConversation(), date: 'yesterday' }, readAt)).toEqual({ ok: false, issues: 1 });
  });
});
