/**
 * The marker that identifies a conversation inside a CRM note's text, so the note can be found again when DCI
 * re-sends the meeting (update in place instead of a second note). One token, no spaces, unlikely in prose,
 * and searchable with a "contains" query in Lime and SuperOffice.
 */
export function conversationReference(conversationId: string): string {
  return `dci-conversation:${conversationId}`;
}

/** The line the note ends with. */
export function referenceLine(conversationId: string): string {
  return `DCI reference: ${conversationReference(conversationId)}`;
}

/** The conversation id a note's text refers to, or undefined when the text has no reference line. */
export function findConversationReference(text: string): string | undefined {
  const match = /^DCI reference: dci-conversation:(\S+)\s*$/mu.exec(text);
  return match?.[1];
}
