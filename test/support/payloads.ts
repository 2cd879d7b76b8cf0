import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSummaryPayload, type MeetingSummary } from '../../src/core';

/** A participant as DCI sends it (wire format: snake_case). */
export type WireParticipant = Record<string, unknown>;

const FIXTURES = join(__dirname, '..', 'fixtures');

/** A payload from test/fixtures, parsed fresh on every call so a test can change it freely. */
export function loadFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Record<string, unknown>;
}

let sequence = 0;

/**
 * A valid `conversation.completed` payload; `conversation` fields replace the defaults one by one (set a field to
 * `undefined` to leave it out), `envelope` fields replace top-level ones.
 */
export function buildPayload(
  conversation: Record<string, unknown> = {},
  envelope: Record<string, unknown> = {},
): Record<string, unknown> {
  sequence += 1;
  const defaults: Record<string, unknown> = {
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    title: 'Offer review — Acme',
    date: '2026-11-20T09:00:00.000Z',
    duration: 2700,
    medium: 'video',
    summary: 'Acme wants a three-year term. Sara sends a revised offer by Friday.',
    user: { id: 'u-17', name: 'Sara Säljare', email: 'sara@seller.se' },
    participants: [buildParticipant()],
  };
  const merged = { ...defaults, ...conversation };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return {
    event: 'conversation.completed',
    timestamp: '2026-11-20T10:05:00.000Z',
    data: { conversation: merged },
    _meta: { token_prefix: 'mt_test', delivery_id: `delivery-${sequence}` },
    ...envelope,
  };
}

export function buildParticipant(fields: WireParticipant = {}): WireParticipant {
  return { name: 'Anna Andersson', email: 'anna@acme.se', company: 'Acme AB', role: 'customer', ...fields };
}

/** The normalized summary of a payload that must be valid; fails the test with the issues otherwise. */
export function summaryOf(payload: unknown): MeetingSummary {
  const result = parseSummaryPayload(payload);
  if (!result.ok) throw new Error(`expected a valid payload, got issues: ${JSON.stringify(result.issues)}`);
  return result.summary;
}

/** Shortcut: the normalized summary of a built payload. */
export function buildSummary(conversation: Record<string, unknown> = {}): MeetingSummary {
  return summaryOf(buildPayload(conversation));
}
