/**
 * One thing wrong (or doubtful) in an inbound payload: where, as a JSONPath (`$.data.conversation.title`), and
 * what, in words an admin can act on. Issues never quote the offending value, so they are safe to log and to
 * return to the sender.
 */
export interface PayloadIssue {
  path: string;
  message: string;
}

/** `['data', 'conversation', 'participants', 0, 'email']` → `$.data.conversation.participants[0].email`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return out;
}

/** At most this many keys are named: enough to recognise a shape, bounded so an answer stays small. */
export const MAX_REPORTED_KEYS = 50;
const MAX_KEY_LENGTH = 64;
/** A key that could itself be personal data (an e-mail address, a phone number) is not repeated. */
const KEY_LIKE_PERSONAL_DATA = /@|\d{5,}|\d[\d\s()+-]{6,}\d/u;

/**
 * The top-level keys of a body, for telling support what shape was sent: names only, never values. Each key is one
 * line of at most 64 characters; a key that looks like an e-mail address or a phone number is replaced by a marker.
 */
export function topLevelKeys(input: unknown): string[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [];
  return Object.keys(input).slice(0, MAX_REPORTED_KEYS).map(keyForReport);
}

/** One key as it may be reported (see {@link topLevelKeys}). */
export function keyForReport(key: string): string {
  if (KEY_LIKE_PERSONAL_DATA.test(key)) return '(a key that looks like contact data)';
  const line = key.replace(/[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]+/gu, ' ');
  return line.length > MAX_KEY_LENGTH ? `${line.slice(0, MAX_KEY_LENGTH - 1)}…` : line;
}
