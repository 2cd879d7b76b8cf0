import fc from 'fast-check';

// Hostile input for property-based tests of the two inbound edges (the receiver's webhook and the SuperOffice
// script): the values senders get wrong, and the ones attackers try.

/** Characters that break lines, logs, headers or storage: C0/C1 controls, Unicode separators, bidi, BOM. */
export const BREAKING_CHARACTERS = [
  '\u0000',
  '\r',
  '\n',
  '\t',
  '\u001b',
  '\u0085',
  '\u2028',
  '\u2029',
  '\u202e',
  '\ufeff',
];

/** Text as hostile senders write it: control characters, line separators, lone surrogates, huge runs. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...BREAKING_CHARACTERS, 'a', ' ', '@', "'", '\\', '%'), maxLength: 20 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '', ' ', '\ud800', '\udfff', 'a\u0000b', 'toString'),
  fc
    .tuple(fc.constantFrom('x', 'é', '😀', '\u0000', ' '), fc.integer({ min: 0, max: 300_000 }))
    .map(([unit, count]) => unit.repeat(count)),
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, -1, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 5e-324, 604800, 604801),
);

/** JSON values of every type, with hostile strings, numbers and prototype keys among them. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.constantFrom(null, true, false),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'prototype')), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

const CONVERSATION_FIELDS = [
  'id',
  'title',
  'date',
  'end_date',
  'duration',
  'medium',
  'department',
  'company',
  'summary',
  'notes',
  'location',
  'url',
  'recording_url',
  'user',
  'participants',
];
const PARTICIPANT_FIELDS = ['name', 'first_name', 'last_name', 'email', 'phone', 'mobile_phone', 'company', 'role'];

/** Where a hostile value goes in an otherwise valid `conversation.completed` payload. */
export const PAYLOAD_PATHS: ReadonlyArray<readonly string[]> = [
  [],
  ['event'],
  ['timestamp'],
  ['data'],
  ['data', 'conversation'],
  ...CONVERSATION_FIELDS.map((field) => ['data', 'conversation', field]),
  ...PARTICIPANT_FIELDS.map((field) => ['data', 'conversation', 'participants', '0', field]),
  ...PARTICIPANT_FIELDS.map((field) => ['data', 'conversation', 'participants', '1', field]),
  ['data', 'conversation', 'user', 'email'],
  ['data', 'conversation', 'user', 'name'],
  ['_meta'],
  ['_meta', 'delivery_id'],
  ['__proto__'],
  ['constructor'],
  ['data', 'conversation', '__proto__'],
  ['data', 'conversation', 'prototype'],
  ['data', 'conversation', 'participants', '0', '__proto__'],
];

/** Up to three hostile values at payload paths. */
export const payloadChanges = fc.array(fc.tuple(fc.constantFrom(...PAYLOAD_PATHS), hostileValue), {
  minLength: 1,
  maxLength: 3,
});

/**
 * `payload` with `value` set at `path` as an own, enumerable property, even for `__proto__`, so JSON.stringify
 * writes it as a sender would. A path through something that is no object leaves the payload as it is.
 */
export function setAt(payload: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  let target = payload;
  for (const key of path.slice(0, -1)) {
    if (typeof target !== 'object' || target === null) return payload;
    target = (target as Record<string, unknown>)[key];
  }
  if (typeof target !== 'object' || target === null) return payload;
  Object.defineProperty(target, path.at(-1) as string, { value, enumerable: true, writable: true, configurable: true });
  return payload;
}

/** `payload` with every change applied in order. */
export function applyChanges(payload: unknown, changes: ReadonlyArray<readonly [readonly string[], unknown]>): unknown {
  return changes.reduce((current, [path, value]) => setAt(current, path, value), payload);
}

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();

/** Fails when anything was added to Object.prototype (prototype pollution) since this module loaded. */
export function expectPrototypesUntouched(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_NAMES);
  const probe = {} as Record<string, unknown>;
  for (const name of ['polluted', 'event', 'data', 'title', 'isAdmin']) expect(probe[name]).toBeUndefined();
}
