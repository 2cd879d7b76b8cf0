// Merging what DCI's REST API says about a conversation into the payload a webhook (or a poll) brought: the payload's
// own fields win, REST fills the gaps. Works on DCI's wire names (the `data.conversation` of a `conversation.completed`
// payload), so the result is held to the same contract as anything received (core/summaryPayload.ts).

type Json = Record<string, unknown>;

/** The conversation's participants as payload objects (anything that is not an object is kept out). */
function participantsOf(conversation: Json): Json[] {
  const list = conversation['participants'];
  return Array.isArray(list) ? list.filter(isObject) : [];
}

/**
 * `base` with every field it lacks (absent, null or blank) taken from `rest`; participants are paired by e-mail,
 * then by name, then by position when both lists are as long, and each pair merged the same way. REST participants
 * that pair with none are added at the end (a caller known only by number is matched by phone). Neither input is
 * changed.
 */
export function mergeConversation(base: Json, rest: Json): Json {
  const merged = fillGaps(base, rest, ['participants']);
  const ours = participantsOf(base);
  const theirs = participantsOf(rest);
  if (theirs.length === 0) return merged;
  const used = new Set<number>();
  const pairOf = (participant: Json, index: number): number | undefined => {
    const free = (candidate: number) => !used.has(candidate);
    const email = key(participant['email']);
    if (email !== undefined) {
      const found = theirs.findIndex((other, at) => free(at) && key(other['email']) === email);
      if (found >= 0) return found;
    }
    const name = key(participant['name']);
    if (name !== undefined) {
      const named = theirs.flatMap((other, at) => (free(at) && key(other['name']) === name ? [at] : []));
      if (named.length === 1) return named[0];
    }
    const hasKey = email !== undefined || name !== undefined;
    return !hasKey && ours.length === theirs.length && free(index) ? index : undefined;
  };
  const enriched = ours.map((participant, index) => {
    const pair = pairOf(participant, index);
    if (pair === undefined) return participant;
    used.add(pair);
    return fillGaps(participant, theirs[pair] ?? {}, []);
  });
  const added = theirs.filter((_participant, at) => !used.has(at));
  merged['participants'] = [...enriched, ...added];
  return merged;
}

function fillGaps(base: Json, rest: Json, skip: readonly string[]): Json {
  const merged: Json = { ...base };
  for (const [name, value] of Object.entries(rest)) {
    if (skip.includes(name) || !isBlank(merged[name]) || isBlank(value)) continue;
    merged[name] = value;
  }
  return merged;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function key(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
