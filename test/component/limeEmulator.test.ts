import { readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import {
  coreModel,
  seedDemoData,
  startLimeEmulator,
  type DemoDataIds,
  type LimeEmulator,
  type LimeEmulatorOptions,
} from '../../src/sandbox/lime';
import { parseSandboxArgs } from '../../src/sandbox/parseSandboxArgs';
import { runSandboxCli } from '../../src/sandbox/runSandboxCli';

// Response bodies are read deep in assertions; the emulator's own types are what is under test.
type Json = any;

const KEY = 'test-api-key';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/u;

let emulator: LimeEmulator | undefined;
let ids: DemoDataIds;

async function start(options: LimeEmulatorOptions = {}, seed = true): Promise<LimeEmulator> {
  emulator = await startLimeEmulator(options);
  if (seed) ids = seedDemoData(emulator);
  return emulator;
}

function current(): LimeEmulator {
  if (emulator === undefined) throw new Error('start() the emulator first');
  return emulator;
}

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

interface CallOptions {
  method?: string;
  body?: unknown;
  rawBody?: string;
  /** null sends no key. */
  key?: string | null;
  headers?: Record<string, string>;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

function request(path: string, options: CallOptions = {}): Promise<Response> {
  const key = options.key === undefined ? KEY : options.key;
  const headers: Record<string, string> = { accept: 'application/hal+json', ...options.headers };
  if (key !== null) headers['x-api-key'] = key;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  const url = path.startsWith('http') ? path : `${current().baseUrl}/api/v1/${path}`;
  return fetch(url, { method: options.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) });
}

async function call(path: string, options: CallOptions = {}): Promise<Answer> {
  const response = await request(path, options);
  const text = await response.text();
  let body: Json;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

function query(document: unknown, key?: string): Promise<Answer> {
  return call(`query/?q=${encodeURIComponent(JSON.stringify(document))}`, key === undefined ? {} : { key });
}

function names(objects: Json[]): string[] {
  return objects.map((object) => object._descriptive ?? object.name);
}

function personsOf(answer: Answer): string[] {
  return names(answer.body._embedded.limeobjects);
}

describe('Lime emulator: authentication and permissions', () => {
  beforeEach(() => start());

  it('answers 401 with an Unauthorized error when no x-api-key is sent', async () => {
    const answer = await call('limeobject/person/', { key: null });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: 'Unauthorized', message: expect.stringContaining('x-api-key') });
  });

  it('answers 401 for a wrong key, and accepts the header in any case', async () => {
    expect((await call('limeobject/person/', { key: 'wrong' })).status).toBe(401);
    const mixedCase = await call('', { key: null, headers: { 'X-API-Key': KEY } });
    expect(mixedCase.status).toBe(200);
  });

  it('answers the API root with links to limetype, limeobject and query', async () => {
    const answer = await call('');
    expect(answer.status).toBe(200);
    expect(answer.body._links).toMatchObject({
      limetype: { href: `${current().baseUrl}/api/v1/limetype/` },
      limeobject: { href: `${current().baseUrl}/api/v1/limeobject/` },
      query: { href: `${current().baseUrl}/api/v1/query/` },
    });
  });

  it('answers 403 naming the operation and limetype when the key may not do it', async () => {
    current().setApiKey('reader', { person: ['read'], history: ['read'] });
    const create = await call('limeobject/history/', {
      method: 'POST',
      key: 'reader',
      body: { note: 'x', person: ids.persons.anna },
    });
    expect(create.status).toBe(403);
    expect(create.body).toEqual({ error: 'Forbidden', message: 'The API user may not create history.' });
    const remove = await call(`limeobject/person/${ids.persons.anna}/`, { method: 'DELETE', key: 'reader' });
    expect(remove.body.message).toBe('The API user may not delete person.');
    expect((await call('limeobject/company/', { key: 'reader' })).body.message).toBe(
      'The API user may not read company.',
    );
    expect((await call(`limeobject/person/${ids.persons.anna}/`, { key: 'reader' })).status).toBe(200);
  });

  it('shows only readable limetypes, with an acl for the key, and refuses metadata of the others', async () => {
    current().setApiKey('notes', { person: ['read'], history: ['read', 'create'] });
    const list = await call('limetype/', { key: 'notes' });
    expect(list.body._embedded.limetypes.map((limetype: Json) => limetype.name)).toEqual(['person', 'history']);
    const history = list.body._embedded.limetypes[1];
    expect(history.acl).toEqual({ read: true, create: true, update: false, delete: false });
    const company = await call('limetype/company/', { key: 'notes' });
    expect(company.status).toBe(403);
    expect(company.body.message).toBe('The API user may not read company.');
  });

  it('needs read permission on the queried limetype and on every limetype a dotted key reaches', async () => {
    current().setApiKey('persons-only', { person: ['read'] });
    const denied = await query({ limetype: 'company', responseFormat: { object: { name: null } } }, 'persons-only');
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe('The API user may not read company.');
    const through = await query(
      {
        limetype: 'person',
        responseFormat: { object: { _id: null } },
        filter: { key: 'company.name', op: '=', exp: 'Acme AB' },
      },
      'persons-only',
    );
    expect(through.status).toBe(403);
    const allowed = await query({ limetype: 'person', responseFormat: { object: { _id: null } } }, 'persons-only');
    expect(allowed.status).toBe(200);
  });

  it('turns a revoked key into a 401 on the next request', async () => {
    current().setApiKey('temporary', 'all');
    expect((await call('', { key: 'temporary' })).status).toBe(200);
    current().setApiKey('temporary', undefined);
    expect((await call('', { key: 'temporary' })).status).toBe(401);
  });
});

describe('Lime emulator: base URL and paths', () => {
  it('answers an HTML 404 outside the application, the way a wrong base URL looks', async () => {
    await start();
    const port = current().port;
    const wrongApp = await fetch(`http://127.0.0.1:${port}/other/api/v1/`, { headers: { 'x-api-key': KEY } });
    expect(wrongApp.status).toBe(404);
    expect(wrongApp.headers.get('content-type')).toContain('text/html');
    expect(await wrongApp.text()).toContain('Not Found');
    const noApp = await fetch(`http://127.0.0.1:${port}/api/v1/limeobject/person/`, { headers: { 'x-api-key': KEY } });
    expect(noApp.status).toBe(404);
  });

  it('accepts paths with and without a trailing slash', async () => {
    await start();
    expect((await call(`limeobject/person/${ids.persons.anna}`)).status).toBe(200);
    expect((await call(`limeobject/person/${ids.persons.anna}/`)).status).toBe(200);
    expect((await call('limetype/person')).body.name).toBe('person');
  });

  it('percent-encodes an application name with a space in the base URL and in every href', async () => {
    await start({ app: 'Lime CRM' });
    expect(current().baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/Lime%20CRM$/u);
    const anna = await call(`limeobject/person/${ids.persons.anna}/`);
    expect(anna.body._links.self.href).toBe(`${current().baseUrl}/api/v1/limeobject/person/${ids.persons.anna}/`);
    expect(anna.body._links.self.href).toContain('/Lime%20CRM/api/v1/');
    const followed = await call(anna.body._links.relation_company.href);
    expect(personsOf(followed)).toEqual(['Acme AB']);
  });
});

describe('Lime emulator: HTTPS', () => {
  it('serves HTTPS with the given key and certificate, and writes https hrefs', async () => {
    const tls = join(__dirname, '..', 'fixtures', 'tls');
    await start({
      tls: {
        key: readFileSync(join(tls, 'server.key'), 'utf8'),
        cert: readFileSync(join(tls, 'server.crt'), 'utf8'),
      },
    });
    expect(current().baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/lime$/u);
    const body = await new Promise<string>((resolve, reject) => {
      httpsGet(
        `${current().baseUrl}/api/v1/limeobject/company/?_limit=1`,
        { headers: { 'x-api-key': KEY }, ca: readFileSync(join(tls, 'ca.crt'), 'utf8') },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve(text));
        },
      ).on('error', reject);
    });
    const company = (JSON.parse(body) as Json)._embedded.limeobjects[0];
    expect(company._links.self.href).toBe(`${current().baseUrl}/api/v1/limeobject/company/${ids.companies.acme}/`);
  });
});

describe('Lime emulator: limetype metadata', () => {
  beforeEach(() => start());

  it('lists limetypes without properties unless _embed=limetypes.properties', async () => {
    const plain = await call('limetype/');
    expect(plain.body._embedded.limetypes.map((limetype: Json) => limetype.name)).toEqual(
      expect.arrayContaining(['person', 'company', 'coworker', 'history', 'deal']),
    );
    expect(plain.body._embedded.limetypes[0]._embedded).toBeUndefined();
    const embedded = await call('limetype/?_embed=limetypes.properties');
    const person = embedded.body._embedded.limetypes.find((limetype: Json) => limetype.name === 'person');
    expect(person._embedded.properties.map((property: Json) => property.name)).toContain('email');
  });

  it('describes history with option ids, required flags, the note length and related types', async () => {
    const plain = await call('limetype/history/');
    expect(plain.body).toMatchObject({
      name: 'history',
      localname: { singular: 'History', plural: 'History' },
      acl: { read: true, create: true, update: true, delete: true },
    });
    expect(plain.body._embedded).toBeUndefined();
    const history = await call('limetype/history/?_embed=properties');
    const properties: Json[] = history.body._embedded.properties;
    const byName = (name: string): Json => properties.find((property) => property.name === name);
    expect(byName('note')).toMatchObject({ type: 'text', required: true, length: 4000 });
    expect(byName('date')).toMatchObject({ type: 'time', required: true });
    expect(byName('type').options).toContainEqual({
      id: expect.any(Number),
      key: 'comment',
      text: 'Comment',
      inactive: false,
    });
    expect(byName('type').options.map((option: Json) => option.key)).toEqual([
      'empty',
      'comment',
      'customervisit',
      'talkedto',
      'salescall',
      'sentemail',
      'receivedemail',
      'noanswer',
    ]);
    expect(byName('person')._links.related_type).toEqual({
      name: 'person',
      href: `${current().baseUrl}/api/v1/limetype/person/`,
    });
  });

  it('describes one property, and answers 404 for an unknown property or limetype', async () => {
    const status = await call('limetype/company/buyingstatus/');
    expect(status.body).toMatchObject({ name: 'buyingstatus', type: 'option' });
    expect(status.body.options.map((option: Json) => option.key)).toContain('active');
    const unknownProperty = await call('limetype/company/shoesize/');
    expect(unknownProperty.status).toBe(404);
    expect(unknownProperty.body.message).toBe('The property "shoesize" does not exist.');
    expect((await call('limetype/spaceship/')).status).toBe(404);
  });
});

describe('Lime emulator: object serialization', () => {
  beforeEach(() => start());

  it('serializes a person flat: relations as ids, text never null, system properties, absolute links', async () => {
    const answer = await call(`limeobject/person/${ids.persons.pia}/`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('json');
    const pia = answer.body;
    expect(pia).toMatchObject({
      firstname: 'Pia',
      lastname: 'Växel',
      name: 'Pia Växel',
      phone: '08-555 000 00',
      email: '',
      mobilephone: '',
      inactive: false,
      company: ids.companies.acme,
      expireddate: null,
      _id: ids.persons.pia,
      _descriptive: 'Pia Växel',
      _createduser: null,
      _updateduser: null,
    });
    expect(pia._timestamp).toMatch(TIMESTAMP);
    expect(pia._createdtime).toMatch(TIMESTAMP);
    expect(pia).not.toHaveProperty('history');
    expect(pia).not.toHaveProperty('deal');
    const base = `${current().baseUrl}/api/v1`;
    expect(pia._links).toEqual({
      self: { href: `${base}/limeobject/person/${ids.persons.pia}/` },
      limetype: { href: `${base}/limetype/person/`, name: 'person' },
      relation_company: { href: `${base}/limeobject/person/${ids.persons.pia}/company/`, name: 'company' },
      relation_deal: { href: `${base}/limeobject/person/${ids.persons.pia}/deal/`, name: 'deal' },
      new_deal: { href: `${base}/limeobject/person/${ids.persons.pia}/deal/new/` },
      relation_history: { href: `${base}/limeobject/person/${ids.persons.pia}/history/`, name: 'history' },
      new_history: { href: `${base}/limeobject/person/${ids.persons.pia}/history/new/` },
    });
  });

  it('serializes options as {id, key, text} and time values as ISO with an offset', async () => {
    const note = await call(`limeobject/history/${ids.history.annaIntroCall}/`);
    expect(note.body.type).toEqual({ id: expect.any(Number), key: 'talkedto', text: 'Talked to' });
    expect(note.body.date).toBe('2026-10-01T07:00:00+00:00');
    expect(note.body.person).toBe(ids.persons.anna);
    expect(note.body.deal).toBeNull();
    const company = await call(`limeobject/company/${ids.companies.dubbelBygg}/`);
    expect(company.body.buyingstatus).toEqual({ id: expect.any(Number), key: 'empty', text: '' });
  });

  it('gives the same shape through get() as over HTTP', async () => {
    const overHttp = await call(`limeobject/person/${ids.persons.anna}/`);
    expect(current().get('person', ids.persons.anna)).toEqual(overHttp.body);
    expect(current().get('person', 999_999)).toBeUndefined();
  });

  it('answers 404 for an unknown limetype or id', async () => {
    const unknownType = await call('limeobject/spaceship/');
    expect(unknownType.status).toBe(404);
    expect(unknownType.body.error).toBe('Not Found');
    expect((await call('limeobject/person/999999/')).status).toBe(404);
    expect((await call('limeobject/person/abc/')).status).toBe(404);
  });
});

describe('Lime emulator: creating objects', () => {
  const fixedNow = new Date('2026-11-20T10:00:00.000Z');
  beforeEach(() => start({ now: () => fixedNow }));

  it('creates a history note: 201, the object back, defaults applied, _createduser set', async () => {
    const answer = await call('limeobject/history/', {
      method: 'POST',
      body: { note: 'Summary', type: 'comment', person: ids.persons.anna, company: ids.companies.acme },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      note: 'Summary',
      type: { key: 'comment', text: 'Comment' },
      person: ids.persons.anna,
      company: ids.companies.acme,
      coworker: null,
      date: '2026-11-20T10:00:00+00:00',
      _createduser: expect.any(Number),
    });
    expect(answer.headers.get('location')).toBe(answer.body._links.self.href);
    expect(current().get('history', answer.body._id)).toEqual(answer.body);
  });

  it('fills a missing option with its default and accepts an option as {"key": ...}', async () => {
    const withDefault = await call('limeobject/history/', { method: 'POST', body: { note: 'n' } });
    expect(withDefault.body.type.key).toBe('empty');
    const asObject = await call('limeobject/history/', {
      method: 'POST',
      body: { note: 'n', type: { key: 'salescall' } },
    });
    expect(asObject.status).toBe(201);
    expect(asObject.body.type.key).toBe('salescall');
  });

  it.each<[string, string, Record<string, unknown>, string]>([
    ['an unknown property', 'history', { note: 'n', mood: 'happy' }, 'mood'],
    ['a number for a text property', 'history', { note: 5 }, 'note'],
    ['null for a text property', 'history', { note: null }, 'note'],
    ['an unknown option key', 'history', { note: 'n', type: 'meeting' }, 'type'],
    ['a relation id that does not exist', 'history', { note: 'n', person: 999_999 }, 'person'],
    ['a relation id as a string', 'history', { note: 'n', person: '1001' }, 'person'],
    ['a missing required property', 'history', { type: 'comment' }, 'note'],
    ['text longer than its length', 'history', { note: 'x'.repeat(4001) }, 'note'],
    ['an invalid date', 'history', { note: 'n', date: 'yesterday' }, 'date'],
    ['a system property', 'history', { note: 'n', _id: 5 }, '_id'],
    ['the computed person.name', 'person', { firstname: 'Ada', name: 'Ada L' }, 'name'],
    ['a hasmany relation', 'company', { name: 'X AB', person: [1] }, 'person'],
    ['an empty required text', 'person', { firstname: '' }, 'firstname'],
    ['a string for a decimal', 'deal', { name: 'Deal', value: '10' }, 'value'],
    ['a missing required decimal', 'deal', { name: 'Deal' }, 'value'],
    ['a string for yes/no', 'person', { firstname: 'Ada', inactive: 'yes' }, 'inactive'],
  ])('refuses %s with a 400 naming the property', async (_case, limetype, body, property) => {
    const before = current().all(limetype).length;
    const answer = await call(`limeobject/${limetype}/`, { method: 'POST', body });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'Bad Request', message: expect.stringContaining(`"${property}"`) });
    expect(answer.body.details).toHaveProperty(property);
    expect(current().all(limetype)).toHaveLength(before);
  });

  it('refuses an inactive option key', async () => {
    const type = current().model.limetypes['history']?.properties.find((property) => property.name === 'type');
    const noAnswer = type?.options?.find((option) => option.key === 'noanswer');
    if (noAnswer === undefined) throw new Error('core model lacks history.type noanswer');
    noAnswer.inactive = true;
    const answer = await call('limeobject/history/', { method: 'POST', body: { note: 'n', type: 'noanswer' } });
    expect(answer.status).toBe(400);
    expect(answer.body.details.type).toContain('inactive');
  });

  it('refuses a body that is not JSON, or not an object', async () => {
    const malformed = await call('limeobject/history/', { method: 'POST', rawBody: '{"note": ' });
    expect(malformed.status).toBe(400);
    const list = await call('limeobject/history/', { method: 'POST', body: [{ note: 'n' }] });
    expect(list.status).toBe(400);
  });
});

describe('Lime emulator: updating and deleting', () => {
  it('changes only the sent properties, recomputes name, and moves _timestamp forward even when the clock stands still', async () => {
    const frozen = new Date('2026-11-20T10:00:00.000Z');
    await start({ now: () => frozen });
    const before = current().get('person', ids.persons.lars);
    const answer = await call(`limeobject/person/${ids.persons.lars}/`, {
      method: 'PUT',
      body: { lastname: 'Oberg-Ek', position: '' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      firstname: 'Lars',
      lastname: 'Oberg-Ek',
      name: 'Lars Oberg-Ek',
      position: '',
      email: 'lars.oberg@acme.se',
      mobilephone: '+46 (0)76 111 22 33',
    });
    expect(answer.body._createdtime).toBe(before?.['_createdtime']);
    const second = await call(`limeobject/person/${ids.persons.lars}/`, { method: 'PUT', body: { position: 'CTO' } });
    const stamps = [before?.['_timestamp'], answer.body._timestamp, second.body._timestamp] as string[];
    expect(stamps.every((stamp) => TIMESTAMP.test(stamp))).toBe(true);
    expect([...stamps].sort()).toEqual(stamps);
    expect(new Set(stamps).size).toBe(3);
  });

  it('validates a PUT like a POST and answers 404 for an unknown id', async () => {
    await start();
    const invalid = await call(`limeobject/person/${ids.persons.anna}/`, { method: 'PUT', body: { firstname: null } });
    expect(invalid.status).toBe(400);
    expect((await call('limeobject/person/999999/', { method: 'PUT', body: { firstname: 'X' } })).status).toBe(404);
  });

  it('answers DELETE with 204 and no body, then 404; relations to the deleted object become null', async () => {
    await start();
    const removed = await call(`limeobject/company/${ids.companies.fjallbo}/`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expect((await call(`limeobject/company/${ids.companies.fjallbo}/`)).status).toBe(404);
    expect((await call(`limeobject/company/${ids.companies.fjallbo}/`, { method: 'DELETE' })).status).toBe(404);
    expect(current().get('person', ids.persons.erik)?.['company']).toBeNull();
  });

  it('answers PATCH with 405', async () => {
    await start();
    const patch = await call(`limeobject/person/${ids.persons.anna}/`, { method: 'PATCH', body: { position: 'X' } });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('GET, PUT, DELETE');
  });
});

describe('Lime emulator: lists', () => {
  beforeEach(() => start());

  it('filters by equality: text case-insensitively, options by key, relations and _id by id', async () => {
    expect(personsOf(await call('limeobject/person/?email=ANNA.Andersson%40ACME.se'))).toEqual(['Anna Andersson']);
    expect(personsOf(await call('limeobject/person/?email=info%40dubbel.se'))).toEqual(['Maja Lind', 'Olof Lind']);
    expect(personsOf(await call('limeobject/company/?buyingstatus=prospect'))).toEqual(['Fjällbo Logistik AB']);
    expect(personsOf(await call(`limeobject/person/?company=${ids.companies.fjallbo}`))).toEqual(['Erik Ek']);
    expect(personsOf(await call(`limeobject/person/?_id=${ids.persons.lars}`))).toEqual(['Lars Öberg']);
    expect(personsOf(await call('limeobject/person/?inactive=true'))).toEqual(['Gunnar Gammal']);
    expect(personsOf(await call('limeobject/person/?lastname=Oberg'))).toEqual([]);
  });

  it('answers 404 naming an unknown filter property', async () => {
    const answer = await call('limeobject/person/?shoesize=42');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: 'Not Found', message: 'The property "shoesize" does not exist.' });
  });

  it('keeps min- and max- bounds inclusive for dates and numbers', async () => {
    for (const date of ['2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z']) {
      current().insert('history', { note: `note ${date}`, date, type: 'comment' });
    }
    const range = await call('limeobject/history/?min-date=2026-01-01&max-date=2026-02-01T00:00:00%2B00:00');
    expect(range.body._embedded.limeobjects.map((note: Json) => note.note)).toEqual([
      'note 2026-01-01T00:00:00Z',
      'note 2026-02-01T00:00:00Z',
    ]);
    const byId = await call(`limeobject/person/?min-_id=${ids.persons.lars}&max-_id=${ids.persons.pia}`);
    expect(personsOf(byId)).toEqual(['Lars Öberg', 'Pia Växel']);
  });

  it('sorts ascending and descending with _sort, Swedish letters last', async () => {
    const ascending = await call(`limeobject/person/?company=${ids.companies.acme}&_sort=lastname`);
    expect(personsOf(ascending)).toEqual(['Anna Andersson', 'Gunnar Gammal', 'Pia Växel', 'Lars Öberg']);
    const descending = await call(`limeobject/person/?company=${ids.companies.acme}&_sort=-lastname`);
    expect(personsOf(descending)).toEqual(['Lars Öberg', 'Pia Växel', 'Gunnar Gammal', 'Anna Andersson']);
  });

  it('pages 10 by default and caps _limit at 50', async () => {
    for (let index = 0; index < 60; index += 1) current().insert('history', { note: `n${index}` });
    const firstPage = await call('limeobject/history/');
    expect(firstPage.body._embedded.limeobjects).toHaveLength(10);
    const capped = await call('limeobject/history/?_limit=500');
    expect(capped.body._embedded.limeobjects).toHaveLength(50);
    expect(capped.body).not.toHaveProperty('count');
  });

  it('visits every object exactly once by following _links.next until it is absent', async () => {
    for (let index = 0; index < 7; index += 1) current().insert('history', { note: `n${index}` });
    const seen: number[] = [];
    let href: string | undefined = `${current().baseUrl}/api/v1/limeobject/history/?_limit=3&type=empty`;
    let pages = 0;
    while (href !== undefined) {
      const page = await call(href);
      seen.push(...page.body._embedded.limeobjects.map((note: Json) => note._id));
      expect(page.body._links.self.href).toBe(href);
      href = page.body._links.next?.href;
      if (href !== undefined) expect(href).toContain('type=empty');
      pages += 1;
    }
    const all = current()
      .all('history')
      .filter((note) => (note['type'] as Json).key === 'empty')
      .map((note) => note['_id']);
    expect(seen).toEqual(all);
    expect(pages).toBe(3);
  });

  it('accepts _offset_id as a cursor: the page starts after that object', async () => {
    const page = await call(`limeobject/person/?_offset_id=${ids.persons.erik}&_limit=2`);
    expect(personsOf(page)).toEqual(['Maja Lind', 'Olof Lind']);
  });

  it('answers an empty result with an empty limeobjects list and only a self link', async () => {
    const answer = await call('limeobject/person/?email=nobody%40example.com');
    expect(answer.body).toEqual({
      _embedded: { limeobjects: [] },
      _links: { self: { href: `${current().baseUrl}/api/v1/limeobject/person/?email=nobody%40example.com` } },
    });
  });

  it('embeds the related company with _embed, and null when the relation is unset', async () => {
    const solo = current().insert('person', { firstname: 'Solo' });
    const answer = await call(`limeobject/person/?_embed=company&_sort=_id&min-_id=${ids.persons.inactiveGunnar}`);
    const [gunnar, soloItem] = answer.body._embedded.limeobjects;
    expect(gunnar._embedded.relation_company).toMatchObject({ name: 'Acme AB', _id: ids.companies.acme });
    expect(gunnar._embedded.relation_company._links.self.href).toContain(`/company/${ids.companies.acme}/`);
    expect(soloItem._id).toBe(solo);
    expect(soloItem._embedded).toEqual({ relation_company: null });
  });

  it("lists a company's persons through the related list, with the same filters", async () => {
    const persons = await call(`limeobject/company/${ids.companies.acme}/person/`);
    expect(personsOf(persons)).toEqual(['Anna Andersson', 'Lars Öberg', 'Pia Växel', 'Gunnar Gammal']);
    const filtered = await call(`limeobject/company/${ids.companies.acme}/person/?inactive=false&_sort=-_id&_limit=2`);
    expect(personsOf(filtered)).toEqual(['Pia Växel', 'Lars Öberg']);
    expect(filtered.body._links.next.href).toContain(`/limeobject/company/${ids.companies.acme}/person/?`);
    const history = await call(`limeobject/person/${ids.persons.anna}/history/`);
    expect(history.body._embedded.limeobjects.map((note: Json) => note._id)).toEqual([ids.history.annaIntroCall]);
    expect((await call(`limeobject/person/${ids.persons.anna}/shoes/`)).status).toBe(404);
  });

  it('uses the configured page size and cap', async () => {
    await current().close();
    await start({ listLimit: { default: 2, max: 3 } });
    expect((await call('limeobject/person/')).body._embedded.limeobjects).toHaveLength(2);
    expect((await call('limeobject/person/?_limit=10')).body._embedded.limeobjects).toHaveLength(3);
  });
});

describe('Lime emulator: numbers and dates', () => {
  beforeEach(() => start());

  it('stores a deal with a decimal value and a date, and finds it by range in lists and queries', async () => {
    const created = await call('limeobject/deal/', {
      method: 'POST',
      body: { name: 'Ramavtal 2027', value: 125000.5, closeddate: '2026-12-31', company: ids.companies.acme },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      value: 125000.5,
      probability: 0,
      closeddate: '2026-12-31T00:00:00+00:00',
      dealstatus: { key: 'contact', text: '1. Customer contact' },
    });
    await call('limeobject/deal/', { method: 'POST', body: { name: 'Small', value: 10 } });
    expect(personsOf(await call('limeobject/deal/?min-value=100'))).toEqual(['Ramavtal 2027']);
    expect(personsOf(await call('limeobject/deal/?max-closeddate=2026-12-31'))).toEqual(['Ramavtal 2027']);
    expect((await call('limeobject/deal/?min-value=lots')).status).toBe(400);
    const small = await query({
      limetype: 'deal',
      responseFormat: { object: { name: null, value: null, closeddate: null } },
      filter: { key: 'value', op: '<', exp: 100 },
    });
    expect(small.body.objects).toEqual([{ name: 'Small', value: 10, closeddate: null }]);
  });
});

describe('Lime emulator: Query API', () => {
  beforeEach(() => start());

  const personNames = { limetype: 'person', responseFormat: { object: { name: null } } };

  async function matching(filter: unknown): Promise<string[]> {
    const answer = await query({ ...personNames, filter });
    expect(answer.status).toBe(200);
    return answer.body.objects.map((object: Json) => object.name);
  }

  it.each<[string, () => unknown, string[]]>([
    ['= (case-insensitive)', () => ({ key: 'email', op: '=', exp: 'ERIK.EK@fjallbo.se' }), ['Erik Ek']],
    ['!=', () => ({ key: 'company', op: '!=', exp: ids.companies.acme }), ['Erik Ek', 'Maja Lind', 'Olof Lind']],
    ['>', () => ({ key: '_id', op: '>', exp: ids.persons.olofDubbel }), ['Gunnar Gammal']],
    ['<', () => ({ key: '_id', op: '<', exp: ids.persons.lars }), ['Anna Andersson']],
    ['>=', () => ({ key: '_id', op: '>=', exp: ids.persons.olofDubbel }), ['Olof Lind', 'Gunnar Gammal']],
    ['<=', () => ({ key: '_id', op: '<=', exp: ids.persons.lars }), ['Anna Andersson', 'Lars Öberg']],
    ['IN', () => ({ key: '_id', op: 'IN', exp: [ids.persons.pia, ids.persons.erik] }), ['Pia Växel', 'Erik Ek']],
    ['=? (begins with)', () => ({ key: 'lastname', op: '=?', exp: 'and' }), ['Anna Andersson']],
    ['? (contains)', () => ({ key: 'mobilephone', op: '?', exp: '111 22' }), ['Lars Öberg']],
    [
      '! (negates an expression)',
      () => ({ op: '!', exp: { key: 'company.name', op: '=', exp: 'Acme AB' } }),
      ['Erik Ek', 'Maja Lind', 'Olof Lind'],
    ],
    ['= null (empty text)', () => ({ key: 'email', op: '=', exp: null }), ['Pia Växel']],
    [
      'a dotted key over belongsto',
      () => ({ key: 'company.name', op: '=?', exp: 'dubbel' }),
      ['Maja Lind', 'Olof Lind'],
    ],
    [
      'AND and OR groups',
      () => ({
        op: 'AND',
        exp: [
          { key: 'company', op: '=', exp: ids.companies.acme },
          {
            op: 'OR',
            exp: [
              { key: 'mobilephone', op: '?', exp: '45 67' },
              { key: 'phone', op: '=', exp: '08-555 000 00' },
            ],
          },
        ],
      }),
      ['Anna Andersson', 'Pia Växel'],
    ],
    [
      'an empty filter {}',
      () => ({}),
      ['Anna Andersson', 'Lars Öberg', 'Pia Växel', 'Erik Ek', 'Maja Lind', 'Olof Lind', 'Gunnar Gammal'],
    ],
  ])('finds persons with %s', async (_operator, filter, expected) => {
    expect(await matching(filter())).toEqual(expected);
  });

  it('compares options by key in filters and returns them as {id, key, text}', async () => {
    const answer = await query({
      limetype: 'history',
      responseFormat: { object: { _id: null, type: '', note: null } },
      filter: { key: 'type', op: '=', exp: 'talkedto' },
    });
    expect(answer.body.objects).toEqual([
      {
        _id: ids.history.annaIntroCall,
        type: { id: expect.any(Number), key: 'talkedto', text: 'Talked to' },
        note: expect.stringContaining('Introductory'),
      },
    ]);
  });

  it('shapes nested belongsto objects, null when unset, and renames with _alias', async () => {
    const lonely = current().insert('person', { firstname: 'Lonely', email: 'lonely@example.com' });
    const answer = await query({
      limetype: 'person',
      responseFormat: {
        object: {
          _id: null,
          email: { _alias: 'mail' },
          company: { _alias: 'organisation', name: null, phone: null, buyingstatus: null },
        },
      },
      filter: { key: '_id', op: 'IN', exp: [ids.persons.anna, lonely] },
    });
    expect(answer.body).toEqual({
      objects: [
        {
          _id: ids.persons.anna,
          mail: 'anna.andersson@acme.se',
          organisation: {
            name: 'Acme AB',
            phone: '08-555 000 00',
            buyingstatus: { id: expect.any(Number), key: 'active', text: 'Active customer' },
          },
        },
        { _id: lonely, mail: 'lonely@example.com', organisation: null },
      ],
    });
    const plainRelation = await query({ limetype: 'person', responseFormat: { object: { company: null } }, limit: 1 });
    expect(plainRelation.body.objects).toEqual([{ company: ids.companies.acme }]);
  });

  it('orders with orderBy and pages with limit and offset', async () => {
    const answer = await query({
      ...personNames,
      orderBy: [{ lastname: 'DESC' }, { firstname: 'ASC' }],
      limit: 3,
      offset: 1,
    });
    expect(answer.body.objects.map((object: Json) => object.name)).toEqual(['Pia Växel', 'Maja Lind', 'Olof Lind']);
  });

  it.each<[string, string]>([
    [
      'a hasmany property in responseFormat',
      JSON.stringify({ limetype: 'company', responseFormat: { object: { person: null } } }),
    ],
    [
      'an unknown property in responseFormat',
      JSON.stringify({ limetype: 'person', responseFormat: { object: { shoe: null } } }),
    ],
    ['an unknown filter key', JSON.stringify({ ...personNames, filter: { key: 'shoe', op: '=', exp: 1 } })],
    ['an unknown operator', JSON.stringify({ ...personNames, filter: { key: 'email', op: '~', exp: 'a' } })],
    ['IN without an array', JSON.stringify({ ...personNames, filter: { key: '_id', op: 'IN', exp: 1 } })],
    ['a bad orderBy direction', JSON.stringify({ ...personNames, orderBy: [{ name: 'UP' }] })],
    ['a negative limit', JSON.stringify({ ...personNames, limit: -1 })],
    ['no responseFormat', JSON.stringify({ limetype: 'person' })],
    ['malformed JSON', '{"limetype": "person", '],
  ])('answers 400 for %s', async (_case, q) => {
    const answer = await call(`query/?q=${encodeURIComponent(q)}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'Bad Request', message: expect.any(String) });
  });

  it('accepts the same document as a POST body', async () => {
    const answer = await call('query/', {
      method: 'POST',
      body: { ...personNames, filter: { key: 'email', op: '=', exp: 'erik.ek@fjallbo.se' } },
    });
    expect(answer.body).toEqual({ objects: [{ name: 'Erik Ek' }] });
  });
});

describe('Lime emulator: rate limit', () => {
  it('answers 429 with Retry-After and a JSON error once a client exceeds the limit', async () => {
    const fixed = new Date('2026-11-20T10:00:00.000Z');
    await start({ rateLimit: { requests: 2, windowMs: 60_000 }, now: () => fixed });
    expect((await call('')).status).toBe(200);
    expect((await call('')).status).toBe(200);
    const limited = await call('');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.body).toMatchObject({ error: 'Too Many Requests', message: expect.any(String) });
  });

  it('does not limit anything when no rate limit is configured', async () => {
    await start();
    const statuses = await Promise.all(Array.from({ length: 20 }, () => call('').then((answer) => answer.status)));
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe('Lime emulator: faults', () => {
  beforeEach(() => start());

  it('answers a status fault with that status and Retry-After, then serves normally', async () => {
    current().failNext(1, { kind: 'status', status: 503, retryAfterSec: 7 });
    const failed = await call('limeobject/person/');
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('7');
    expect(failed.body).toMatchObject({ error: 'Service Unavailable' });
    expect((await call('limeobject/person/')).status).toBe(200);
  });

  it('applies faults in order, before authentication, with a custom body', async () => {
    current().failNext(1, { kind: 'status', status: 500, body: { oops: true } });
    current().failNext(1, { kind: 'status', status: 502 });
    const first = await call('', { key: null });
    expect(first.status).toBe(500);
    expect(first.body).toEqual({ oops: true });
    expect((await call('', { key: null })).status).toBe(502);
    expect((await call('', { key: null })).status).toBe(401);
  });

  it('makes fetch reject on a drop, and logs it with status 0', async () => {
    current().failNext(1, { kind: 'drop' });
    await expect(request('limeobject/person/')).rejects.toThrow();
    expect(current().requests.at(-1)).toMatchObject({ path: '/api/v1/limeobject/person/', status: 0 });
    expect((await call('limeobject/person/')).status).toBe(200);
  });

  it('makes reading the body reject on drop_mid_body, although the write itself happened', async () => {
    const before = current().all('history').length;
    current().failNext(1, { kind: 'drop_mid_body' });
    const response = await request('limeobject/history/', { method: 'POST', body: { note: 'lost answer' } });
    expect(response.status).toBe(201);
    await expect(response.text()).rejects.toThrow();
    expect(current().all('history')).toHaveLength(before + 1);
    expect(current().requests.at(-1)?.status).toBe(0);
  });

  it('answers normally after a delay fault, no sooner than the delay', async () => {
    current().failNext(1, { kind: 'delay', ms: 150 });
    const started = Date.now();
    expect((await call('')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('delays every request by the latency set with setLatency', async () => {
    current().setLatency(100);
    const started = Date.now();
    await Promise.all([call(''), call('')]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    current().setLatency(0);
  });
});

describe('Lime emulator: request log', () => {
  beforeEach(() => start());

  it('records method, path below the app, raw query, parsed body, status and key; clearRequests empties it', async () => {
    current().clearRequests();
    await call('limeobject/person/?email=anna%40acme.se&_limit=1');
    await call('limeobject/history/', { method: 'POST', body: { note: 'logged', type: 'comment' } });
    await call('', { key: null });
    expect(current().requests).toEqual([
      {
        method: 'GET',
        path: '/api/v1/limeobject/person/',
        query: 'email=anna%40acme.se&_limit=1',
        status: 200,
        apiKey: KEY,
      },
      {
        method: 'POST',
        path: '/api/v1/limeobject/history/',
        query: '',
        body: { note: 'logged', type: 'comment' },
        status: 201,
        apiKey: KEY,
      },
      { method: 'GET', path: '/api/v1/', query: '', status: 401 },
    ]);
    current().clearRequests();
    expect(current().requests).toEqual([]);
  });

  it('does not log the direct methods', async () => {
    current().clearRequests();
    const id = current().insert('person', { firstname: 'Direct' });
    current().update('person', id, { lastname: 'Write' });
    expect(current().get('person', id)).toMatchObject({ name: 'Direct Write', _updateduser: null });
    current().remove('person', id);
    expect(current().get('person', id)).toBeUndefined();
    expect(current().requests).toEqual([]);
  });
});

describe('Lime emulator: direct methods', () => {
  it('insert throws on invalid values, update bumps _timestamp, all lists in id order', async () => {
    await start({}, false);
    expect(() => current().insert('person', { lastname: 'No first name' })).toThrow(/firstname/u);
    expect(() => current().insert('spaceship', {})).toThrow(/spaceship/u);
    const first = current().insert('company', { name: 'First AB' });
    const second = current().insert('company', { name: 'Second AB' });
    expect(first).toBe(1001);
    expect(
      current()
        .all('company')
        .map((company) => company['_id']),
    ).toEqual([first, second]);
    const before = current().get('company', first)?.['_timestamp'] as string;
    current().update('company', first, { phone: '08-1' });
    expect((current().get('company', first)?.['_timestamp'] as string) > before).toBe(true);
    expect(() => current().update('company', 999, { phone: '1' })).toThrow();
    expect(() => current().remove('company', 999)).toThrow();
  });
});

describe('Lime emulator: a customised data model', () => {
  function customModel(): ReturnType<typeof coreModel> {
    const model = coreModel();
    const person = model.limetypes['person'];
    const history = model.limetypes['history'];
    const email = person?.properties.find((property) => property.name === 'email');
    const type = history?.properties.find((property) => property.name === 'type');
    const note = history?.properties.find((property) => property.name === 'note');
    if (email === undefined || type === undefined || note === undefined) throw new Error('core model changed');
    email.name = 'emailaddress';
    type.options?.push({ id: 999_001, key: 'dcisummary', text: 'DCI summary' });
    note.length = 100;
    return model;
  }

  it('serves a renamed field, an extra history option and a shorter note length', async () => {
    await start({ model: customModel() }, false);
    const person = current().insert('person', { firstname: 'Kim', emailaddress: 'kim@example.com' });
    expect(current().get('person', person)).toMatchObject({ emailaddress: 'kim@example.com' });
    expect(current().get('person', person)).not.toHaveProperty('email');
    expect((await call('limeobject/person/?emailaddress=KIM%40example.com')).body._embedded.limeobjects).toHaveLength(
      1,
    );
    expect((await call('limeobject/person/?email=kim%40example.com')).status).toBe(404);
    const created = await call('limeobject/history/', {
      method: 'POST',
      body: { note: 'short', type: 'dcisummary', person },
    });
    expect(created.body.type).toEqual({ id: 999_001, key: 'dcisummary', text: 'DCI summary' });
    const tooLong = await call('limeobject/history/', { method: 'POST', body: { note: 'x'.repeat(101) } });
    expect(tooLong.status).toBe(400);
    const metadata = await call('limetype/history/note/');
    expect(metadata.body.length).toBe(100);
  });

  it('takes a model set with setModel on the next request', async () => {
    await start();
    current().setModel(customModel());
    const anna = await call(`limeobject/person/${ids.persons.anna}/`);
    expect(anna.body).toHaveProperty('emailaddress', '');
    expect(anna.body).not.toHaveProperty('email');
  });
});

describe('sandbox CLI', () => {
  it.each<[string[], ReturnType<typeof parseSandboxArgs>]>([
    [['lime'], { kind: 'lime', settings: { port: 0, apiKey: 'demo-api-key', app: 'lime' } }],
    [
      ['lime', '--port', '8089', '--api-key', 'k', '--app', 'Lime CRM'],
      { kind: 'lime', settings: { port: 8089, apiKey: 'k', app: 'Lime CRM' } },
    ],
    [['lime', '--port=0', '--app=x'], { kind: 'lime', settings: { port: 0, apiKey: 'demo-api-key', app: 'x' } }],
    [['lime', '--help'], { kind: 'help' }],
  ])('parses %j', (argv, expected) => {
    expect(parseSandboxArgs(argv)).toEqual(expected);
  });

  it.each<[string[]]>([
    [[]],
    [['salesforce']],
    [['lime', '--verbose']],
    [['lime', '--port']],
    [['lime', '--port', '70000']],
  ])('refuses %j with a usage error', (argv) => {
    expect(parseSandboxArgs(argv)).toMatchObject({ kind: 'usage_error' });
  });

  it('prints the usage and exits with 2 on unknown arguments', async () => {
    const errors: string[] = [];
    const code = await runSandboxCli(['lime', '--nope'], {
      out: () => undefined,
      err: (line) => errors.push(line),
      stopped: new Promise(() => undefined),
    });
    expect(code).toBe(2);
    expect(errors.join('\n')).toContain('Usage: npm run sandbox -- lime');
  });

  it('starts a seeded emulator with the given key and app, prints its URL, and closes when stopped', async () => {
    const lines: string[] = [];
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let announce: (sandbox: LimeEmulator) => void = () => undefined;
    const started = new Promise<LimeEmulator>((resolve) => {
      announce = resolve;
    });
    const exited = runSandboxCli(['lime', '--api-key', 'cli-key', '--app', 'Demo CRM'], {
      out: (line) => lines.push(line),
      err: (line) => lines.push(line),
      stopped,
      onStarted: (sandbox) => announce(sandbox),
    });
    const sandbox = await started;
    expect(lines.join('\n')).toContain(`Lime CRM API URL: ${sandbox.baseUrl}`);
    expect(lines.join('\n')).toContain('API key:          cli-key');
    expect(sandbox.baseUrl).toContain('/Demo%20CRM');
    const persons = await fetch(`${sandbox.baseUrl}/api/v1/limeobject/person/?email=anna.andersson%40acme.se`, {
      headers: { 'x-api-key': 'cli-key' },
    });
    expect(((await persons.json()) as Json)._embedded.limeobjects).toHaveLength(1);
    stop();
    expect(await exited).toBe(0);
    await expect(fetch(`${sandbox.baseUrl}/api/v1/`, { headers: { 'x-api-key': 'cli-key' } })).rejects.toThrow();
  });
});
