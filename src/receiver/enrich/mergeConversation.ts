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
 * `base` with every field it lacks (absent, null or blank) taken from `rest`; participants are paired and each pair
 * merged the same way. REST participants that pair with none are added at the end (a caller known only by number is
 * matched by phone). Neither input is changed.
 *
 * Pairing decides whose phone a participant gets, and a phone on the wrong person matches the wrong CRM contact, which
 * is worse than no match. So pairs are made in three passes over everyone: by e-mail; then by a name that is unique
 * on both sides, only where one side has no e-mail (two different addresses are two people, whatever the names); then
 * by position, only when no participant on either side has an e-mail or a name and both lists are as long.
 */
export function mergeConversation(base: Json, rest: Json): Json {
  const merged = fillGaps(base, rest, ['participants']);
  const ours = participantsOf(base);
  const theirs = participantsOf(rest);
  if (theirs.length === 0) return merged;
  const pairs = pairParticipants(ours, theirs);
  const used = new Set(pairs.values());
  const enriched = ours.map((participant, index) => {
    const pair = pairs.get(index);
    return pair === undefined ? participant : fillGaps(participant, theirs[pair] ?? {}, []);
  });
  merged['participants'] = [...enriched, ...theirs.filter((_participant, at) => !used.has(at))];
  return merged;
}

/** Our participant's index → theirs, in the three passes described above. */
function pairParticipants(ours: readonly Json[], theirs: readonly Json[]): Map<number, number> {
  const pairs = new Map<number, number>();
  const taken = new Set<number>();
  const pair = (index: number, at: number) => {
    pairs.set(index, at);
    taken.add(at);
  };
  ours.forEach((participant, index) => {
    const email = key(participant['email']);
    if (email === undefined) return;
    const at = theirs.findIndex((other, candidate) => !taken.has(candidate) && key(other['email']) === email);
    if (at >= 0) pair(index, at);
  });
  const named = (list: readonly Json[], name: string) => list.filter((item) => key(item['name']) === name).length;
  ours.forEach((participant, index) => {
    const name = key(participant['name']);
    if (pairs.has(index) || name === undefined || named(ours, name) !== 1 || named(theirs, name) !== 1) return;
    const at = theirs.findIndex((other) => key(other['name']) === name);
    const emails = [key(participant['email']), key(theirs[at]?.['email'])];
    if (at >= 0 && !taken.has(at) && emails.includes(undefined)) pair(index, at);
  });
  const keyless = (item: Json) => key(item['email']) === undefined && key(item['name']) === undefined;
  if (ours.length === theirs.length && ours.every(keyless) && theirs.every(keyless)) {
    ours.forEach((_participant, index) => {
      if (!pairs.has(index) && !taken.has(index)) pair(index, index);
    });
  }
  return pairs;
}

function fillGaps(base: Json, rest: Json, skip: readonly string[]): Json {
  const merged: Json = { ...base };
  for (const [name, value] of Object.entries(rest)) {
    if (skip.includes(name) || !isBlank(merged[name]) || isBlank(value)) continue;
    merged[name] = value;
  }
  return merged;
}

/** Absent, null or blank text: a field the payload does not really give. */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function key(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
