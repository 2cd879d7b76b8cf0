import { hasFlatSummary, isPlainObject, parseFlatSummaryBody } from './flatSummaryBody';
import { keyForReport, topLevelKeys, type PayloadIssue } from './payloadIssue';
import { parseSummaryPayload, type MeetingSummary } from './summaryPayload';

/**
 * What a request body holds, read tolerantly:
 * - `summary`: a meeting, from the webhook envelope or from a flat body (flatSummaryBody.ts);
 * - `no_summary`: nothing that carries a summary — DCI sends none for a meeting without one (its SuperOffice help
 *   article's FAQ), so such a body is a test or a probe, whatever its shape;
 * - `invalid`: a summary is there but the body cannot be used; `issues` say why and `keys` name the body's top-level
 *   keys (never values), so support can see which shape was sent.
 */
export type SummaryBodyRead =
  | { kind: 'summary'; shape: BodyShape; summary: MeetingSummary }
  | { kind: 'no_summary' }
  | { kind: 'invalid'; shape: BodyShape | 'unknown'; issues: PayloadIssue[]; keys: string[] };

export type BodyShape = 'envelope' | 'flat';

/** Reads a JSON-parsed body. Never throws. */
export function readSummaryBody(input: unknown): SummaryBodyRead {
  if (Array.isArray(input)) {
    return input.some((entry) => isPlainObject(entry) && hasFlatSummary(entry))
      ? invalid('unknown', input, [{ path: '$', message: 'must be one meeting object, not a list' }])
      : { kind: 'no_summary' };
  }
  if (!isPlainObject(input)) return { kind: 'no_summary' };

  if (isEnvelope(input)) {
    if (!hasFlatSummary(conversationOf(input) ?? {})) return { kind: 'no_summary' };
    const parsed = parseSummaryPayload(input);
    return parsed.ok
      ? { kind: 'summary', shape: 'envelope', summary: parsed.summary }
      : invalid('envelope', input, parsed.issues);
  }
  if (hasFlatSummary(input)) {
    const parsed = parseFlatSummaryBody(input);
    return parsed.ok
      ? { kind: 'summary', shape: 'flat', summary: parsed.summary }
      : invalid('flat', input, parsed.issues);
  }
  // A summary one level down under a wrapper we do not know: refused out loud rather than answered as a test, so a
  // meeting sent in an unexpected shape is seen instead of lost.
  const wrapper = Object.keys(input).find((key) => {
    const value = input[key];
    return isPlainObject(value) && (hasFlatSummary(value) || hasFlatSummary(conversationOf(value) ?? {}));
  });
  if (wrapper !== undefined) {
    return invalid('unknown', input, [
      {
        path: `$.${keyForReport(wrapper)}`,
        message: 'holds a summary, but one is read only at the top level or in data.conversation',
      },
    ]);
  }
  return { kind: 'no_summary' };
}

/** The webhook envelope: its event name, or a `data.conversation` object. */
function isEnvelope(body: Record<string, unknown>): boolean {
  return body['event'] === 'conversation.completed' || conversationOf(body) !== undefined;
}

function conversationOf(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const data = body['data'];
  if (!isPlainObject(data)) return undefined;
  const conversation = data['conversation'];
  return isPlainObject(conversation) ? conversation : undefined;
}

function invalid(shape: BodyShape | 'unknown', input: unknown, issues: PayloadIssue[]): SummaryBodyRead {
  return { kind: 'invalid', shape, issues, keys: topLevelKeys(input) };
}
