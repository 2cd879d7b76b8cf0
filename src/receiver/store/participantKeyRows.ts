import { z } from 'zod';
import type { KeyablePayload, ParticipantKeyHit } from './ports/participantKeys';

// The participant lookup rows as both adapters read them, and the settings keys their state is kept under.

/** The settings key of the random lookup seed (used when SECRET_KEY is not set). Never shown on the admin pages. */
export const LOOKUP_SEED_SETTING = 'participantLookup.seed';
/** The settings key of the id of the lookup key every row is under (written when a rebuild finished). */
export const PARTICIPANT_KEYS_ID_SETTING = 'participantLookup.keyId';

/** The most hits one lookup returns when the caller gives no limit. */
export const MAX_LOOKUP_HITS = 500;

const hitRecord = z.object({
  delivery_id: z.string(),
  participant_index: z.number().int(),
  key_kind: z.enum(['email', 'phone']),
  conversation_id: z.string(),
  target: z.string(),
});

export function toParticipantKeyHit(row: unknown, date: z.ZodType<Date>): ParticipantKeyHit {
  const r = hitRecord.extend({ received_at: date }).parse(row);
  return {
    deliveryId: r.delivery_id,
    participantIndex: r.participant_index,
    kind: r.key_kind,
    conversationId: r.conversation_id,
    target: r.target,
    receivedAt: r.received_at,
  };
}

const keyableRecord = z.object({ id: z.string(), event_id: z.string(), raw_body: z.instanceof(Buffer) });

export function toKeyablePayload(row: unknown): KeyablePayload {
  const r = keyableRecord.parse(row);
  return { deliveryId: r.id, eventId: r.event_id, rawBody: r.raw_body };
}
