import fc from 'fast-check';
import {
  readAccount,
  readConversationDetail,
  readConversationList,
  readRecordingUrl,
  readSummary,
  readUserList,
  toContractConversation,
  type Reading,
} from '../../src/dci-api';

function value<T>(reading: Reading<T>): T {
  if (reading.kind === 'unreadable') throw new Error(`unreadable: ${reading.problem}`);
  return reading.value;
}

const a = { id: 'aaaaaaaa-0000-0000-0000-000000000001', title: 'Discovery call', date: '2026-02-07T09:00:00.000Z' };
const b = { id: 42, title: 'Old-API call', date: '2026-02-06T09:00:00.000Z' };

describe('a page of the conversation list', () => {
  it.each([
    ['a bare array', [a, b], undefined],
    ['{conversations:[…]}', { conversations: [a, b], next_cursor: 'c2' }, 'c2'],
    ['{data:[…]}', { data: [a, b], nextCursor: 'c2' }, 'c2'],
    ['{items:[…]}', { items: [a, b], pagination: { next_cursor: 'c2' } }, 'c2'],
    ['pagination.nextCursor', { conversations: [a, b], pagination: { nextCursor: 'c2' } }, 'c2'],
    ['cursor', { conversations: [a, b], cursor: 'c2' }, 'c2'],
    ['a numeric cursor', { conversations: [a, b], next_cursor: 17 }, '17'],
    ['a null cursor (the last page)', { conversations: [a, b], next_cursor: null }, undefined],
    ['an empty cursor (the last page)', { conversations: [a, b], nextCursor: '' }, undefined],
    ['has_more: false beside a cursor', { conversations: [a, b], next_cursor: 'c2', has_more: false }, undefined],
  ])('is read from %s', (_shape, body, nextCursor) => {
    const page = value(readConversationList(body));
    expect(page.conversations.map((conversation) => conversation.id)).toEqual([a.id, '42']);
    expect(page.nextCursor).toBe(nextCursor);
    expect(page.skipped).toBe(0);
  });

  it('takes the next cursor from the X-Next-Cursor header when the body names none', () => {
    expect(value(readConversationList([a], 'from-header')).nextCursor).toBe('from-header');
    expect(value(readConversationList({ data: [a] }, 'from-header')).nextCursor).toBe('from-header');
    expect(value(readConversationList({ data: [a], next_cursor: 'body' }, 'from-header')).nextCursor).toBe('body');
    expect(value(readConversationList([a], '')).nextCursor).toBeUndefined();
  });

  it('skips and counts the items without a usable id', () => {
    const page = value(
      readConversationList({
        conversations: [
          a,
          { title: 'no id' },
          { id: '' },
          { id: 'two words' },
          { id: 1.5 },
          { id: '..' },
          null,
          'x',
          b,
        ],
      }),
    );
    expect(page.conversations.map((conversation) => conversation.id)).toEqual([a.id, '42']);
    expect(page.skipped).toBe(7);
  });

  it.each([
    ['an object without a list', { conversations: 'none' }],
    ['a string', 'conversations'],
    ['null', null],
    ['nothing', undefined],
  ])('is unreadable as %s', (_shape, body) => {
    expect(readConversationList(body).kind).toBe('unreadable');
  });
});

describe('a conversation detail', () => {
  it.each([
    ['bare', a],
    ['{conversation:{…}}', { conversation: a, _meta: { token_prefix: 'mt_ab12cd34' } }],
    ['{data:{…}}', { data: a }],
    ['{data:{conversation:{…}}}', { data: { conversation: a } }],
  ])('is read %s', (_shape, body) => {
    expect(value(readConversationDetail(body))).toMatchObject(a);
  });

  it.each([[{ title: 'no id' }], [{ conversation: null }], [[a]], ['x']])('is unreadable as %p', (body) => {
    expect(readConversationDetail(body).kind).toBe('unreadable');
  });
});

describe('a REST conversation in the webhook contract names', () => {
  it.each([
    ['phone', { phone: '+46 70 123 45 67' }, { phone: '+46 70 123 45 67' }],
    ['phone_number', { phone_number: '+46 70 123 45 67' }, { phone: '+46 70 123 45 67' }],
    ['phoneNumber', { phoneNumber: '+46 70 123 45 67' }, { phone: '+46 70 123 45 67' }],
    ['mobile_phone', { mobile_phone: '070-1234567' }, { mobile_phone: '070-1234567' }],
    ['mobilePhone', { mobilePhone: '070-1234567' }, { mobile_phone: '070-1234567' }],
    ['mobile', { mobile: '070-1234567' }, { mobile_phone: '070-1234567' }],
    ['mobile_number (a number)', { mobile_number: 46701234567 }, { mobile_phone: '46701234567' }],
    ['phone as a number', { phone: 46701234567 }, { phone: '46701234567' }],
    ['both', { phone_number: '08-123', mobile: '070-1' }, { phone: '08-123', mobile_phone: '070-1' }],
  ])('a participant phone under %s becomes the contract field', (_name, phones, expected) => {
    const participant = { name: 'Jane Doe', email: 'jane@acme.com', role: 'customer', ...phones };
    const conversation = toContractConversation({ ...a, participants: [participant] });
    expect(conversation['participants']).toEqual([{ ...participant, ...expected }]);
  });

  it('keeps the fields it read the phones from, and leaves its input unchanged', () => {
    const raw = { ...a, participants: [{ name: 'Jane', phoneNumber: '08-1' }] };
    const copy = structuredClone(raw);
    const conversation = toContractConversation(raw);
    expect(conversation['participants']).toEqual([{ name: 'Jane', phoneNumber: '08-1', phone: '08-1' }]);
    expect(raw).toEqual(copy);
  });

  it.each([
    ['ended_at', { ended_at: '2026-02-07T09:30:00Z' }, { end_date: '2026-02-07T09:30:00Z' }],
    ['end_date', { end_date: '2026-02-07T09:30:00Z' }, { end_date: '2026-02-07T09:30:00Z' }],
    ['endedAt', { endedAt: '2026-02-07T09:30:00Z' }, { end_date: '2026-02-07T09:30:00Z' }],
    ['end_time', { end_time: '2026-02-07T09:30:00Z' }, { end_date: '2026-02-07T09:30:00Z' }],
    ['notes', { notes: 'Call back Friday' }, { notes: 'Call back Friday' }],
    ['manual_notes', { manual_notes: 'Call back Friday' }, { notes: 'Call back Friday' }],
    ['manualNotes', { manualNotes: 'Call back Friday' }, { notes: 'Call back Friday' }],
    ['notes as comments', { notes: ['One', { text: 'Two' }, { body: '' }] }, { notes: 'One\n\nTwo' }],
    ['url', { url: 'https://app.dci.test/c/1' }, { url: 'https://app.dci.test/c/1' }],
    ['app_url', { app_url: 'https://app.dci.test/c/1' }, { url: 'https://app.dci.test/c/1' }],
    ['conversation_url', { conversation_url: 'https://app.dci.test/c/1' }, { url: 'https://app.dci.test/c/1' }],
    ['link', { link: 'https://app.dci.test/c/1' }, { url: 'https://app.dci.test/c/1' }],
    ['recordingUrl', { recordingUrl: 'https://r.dci.test/1' }, { recording_url: 'https://r.dci.test/1' }],
    ['transcriptUrl', { transcriptUrl: 'https://t.dci.test/1' }, { transcript_url: 'https://t.dci.test/1' }],
    ['started_at', { date: undefined, started_at: '2026-02-07T09:00:00Z' }, { date: '2026-02-07T09:00:00Z' }],
  ])('%s is read into the contract name', (_name, fields, expected) => {
    expect(toContractConversation({ ...a, ...fields })).toMatchObject(expected);
  });

  it.each([
    ['a notes object', { notes: { text: 1 } }, 'notes'],
    ['a javascript: url', { url: 'javascript:alert(1)' }, 'url'],
    ['a url number', { url: 7 }, 'url'],
    ['a null end', { ended_at: null }, 'end_date'],
  ])('leaves out %s, which the contract would refuse', (_name, fields, key) => {
    expect(toContractConversation({ ...a, ...fields })).not.toHaveProperty(key);
  });

  it('drops participants that are not objects and reads the presenter phone', () => {
    const conversation = toContractConversation({
      ...a,
      participants: ['Jane', null, { name: 'Jim' }],
      user: { id: 'u1', name: 'Erik', phone_number: '08-9' },
    });
    expect(conversation['participants']).toEqual([{ name: 'Jim' }]);
    expect(conversation['user']).toEqual({ id: 'u1', name: 'Erik', phone_number: '08-9', phone: '08-9' });
  });

  it('turns a numeric id into a string', () => {
    expect(toContractConversation(b).id).toBe('42');
  });
});

describe('a summary', () => {
  it.each([
    ['{summary}', { summary: 'Agreed on a pilot.' }, 'Agreed on a pilot.'],
    ['{text}', { text: 'Agreed on a pilot.' }, 'Agreed on a pilot.'],
    ['{data:{summary}}', { data: { summary: 'Agreed on a pilot.' } }, 'Agreed on a pilot.'],
    ['{data:{text}}', { data: { text: 'Agreed on a pilot.' } }, 'Agreed on a pilot.'],
    ['a bare JSON string', 'Agreed on a pilot.', 'Agreed on a pilot.'],
    ['{summary:null}', { summary: null }, undefined],
    ['{summary:""}', { summary: '   ' }, undefined],
    ['{data:null}', { data: null }, undefined],
    ['null', null, undefined],
    ['""', '', undefined],
  ])('is read from %s', (_shape, body, summary) => {
    expect(value(readSummary(body))).toBe(summary);
  });

  it.each([[{ summary: 3 }], [{ other: 'x' }], [[]], [7]])('is unreadable as %p', (body) => {
    expect(readSummary(body).kind).toBe('unreadable');
  });
});

describe('a recording URL', () => {
  const url = 'https://recordings.dci.test/r/1?sig=abc';
  it.each([
    ['url', { url, expires_at: '2026-02-08T00:00:00Z' }, { kind: 'url', url }],
    ['recording_url', { recording_url: url }, { kind: 'url', url }],
    ['recordingUrl', { recordingUrl: url }, { kind: 'url', url }],
    ['{data:{url}}', { data: { url } }, { kind: 'url', url }],
    ['{data:{recording_url}}', { data: { recording_url: url } }, { kind: 'url', url }],
    ['a null url', { url: null }, { kind: 'none' }],
    ['a javascript: url', { url: 'javascript:alert(1)' }, { kind: 'none' }],
    ['an ftp url', { url: 'ftp://files.dci.test/r/1' }, { kind: 'none' }],
    ['null', null, { kind: 'none' }],
  ])('is read from %s', (_shape, body, recording) => {
    expect(value(readRecordingUrl(body))).toEqual(recording);
  });

  it.each([[{ link: url }], [url], [[url]]])('is unreadable as %p', (body) => {
    expect(readRecordingUrl(body).kind).toBe('unreadable');
  });
});

describe('the account', () => {
  const documented = {
    id: 'fb1919a3-3ba7-4427-b04e-b49a592804fc',
    name: 'Telco Demo',
    brand_name: 'Dstny',
    _meta: { token_prefix: 'mt_ab12cd34', timestamp: '2026-02-08T00:00:00.000Z' },
  };
  it.each([
    ['the documented sample', documented],
    ['{account:{…}}', { account: { id: documented.id, name: 'Telco Demo' }, _meta: documented._meta }],
    ['{data:{…}}', { data: documented }],
  ])('is read from %s', (_shape, body) => {
    expect(value(readAccount(body))).toEqual({ id: documented.id, name: 'Telco Demo', tokenPrefix: 'mt_ab12cd34' });
  });

  it('needs only an id', () => {
    expect(value(readAccount({ id: 7, name: null, _meta: 'x' }))).toEqual({ id: '7' });
    expect(readAccount({ name: 'Telco Demo' }).kind).toBe('unreadable');
  });
});

describe('the user list', () => {
  it.each([[{ users: [{ id: 'u' }] }], [{ data: [{ id: 'u' }] }], [[{ id: 'u' }]]])('is read from %p', (body) => {
    expect(value(readUserList(body))).toEqual([{ id: 'u' }]);
  });
  it('is unreadable without a list', () => {
    expect(readUserList({ users: null }).kind).toBe('unreadable');
  });
});

describe('any JSON at all', () => {
  it('never makes a reader throw, and a list reading counts every item', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.option(fc.string(), { nil: undefined }), (body, header) => {
        const list = readConversationList(body, header);
        if (list.kind === 'read') {
          const wrapped = body as Record<string, unknown>;
          const items = Array.isArray(body)
            ? body
            : ['conversations', 'data', 'items'].map((key) => wrapped[key]).find(Array.isArray);
          expect(list.value.conversations.length + list.value.skipped).toBe((items as unknown[]).length);
        }
        readConversationDetail(body);
        readSummary(body);
        readRecordingUrl(body);
        readAccount(body);
        readUserList(body);
      }),
    );
  });

  it('as a conversation keeps its id and gives contract-typed phones', () => {
    const participant = fc.dictionary(
      fc.constantFrom('name', 'phone', 'phone_number', 'phoneNumber', 'mobile_phone', 'mobilePhone', 'mobile', 'x'),
      fc.jsonValue(),
    );
    const conversation = fc.record({
      id: fc.oneof(fc.uuid(), fc.nat()),
      participants: fc.oneof(fc.array(fc.oneof(participant, fc.jsonValue())), fc.jsonValue()),
      notes: fc.jsonValue(),
      url: fc.jsonValue(),
      ended_at: fc.jsonValue(),
    });
    fc.assert(
      fc.property(conversation, (raw) => {
        const read = toContractConversation(raw);
        expect(read.id).toBe(String(raw.id));
        for (const key of ['notes', 'url', 'end_date'] as const) {
          if (key in read) expect(typeof read[key]).toBe('string');
        }
        const participants = read['participants'];
        if (participants !== undefined) {
          for (const person of participants as Array<Record<string, unknown>>) {
            for (const key of ['phone', 'mobile_phone']) if (key in person) expect(typeof person[key]).toBe('string');
          }
        }
      }),
    );
  });
});
