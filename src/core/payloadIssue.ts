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
