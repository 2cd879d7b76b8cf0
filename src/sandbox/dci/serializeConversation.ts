import type { DciShapes, DciStoredConversation } from './types';

type PhoneField = NonNullable<DciShapes['phoneField']>;

/**
 * The webhook's `data.conversation`: exactly the fields of dci-api.md §3.3, in that order, participants as
 * `{name, email, role}` only — no phones, links, notes or end time (§3.4 "Not in the example").
 */
export function webhookConversation(conversation: DciStoredConversation): Record<string, unknown> {
  return {
    id: conversation.id,
    title: conversation.title,
    company: conversation.company,
    date: conversation.date,
    duration: conversation.duration,
    medium: conversation.medium,
    sentiment: conversation.sentiment,
    conversation_type: conversation.conversation_type,
    summary: conversation.summary,
    department: conversation.department,
    user: conversation.user,
    participants: conversation.participants.map(({ name, email, role }) => ({ name, email, role })),
  };
}

/**
 * The REST conversation: the webhook's fields, participant phones under the configured name (only for participants
 * that have one), and our assumed `ended_at`, `notes`, `updated_at`. Never a recording URL.
 */
export function restConversation(conversation: DciStoredConversation, phoneField: PhoneField): Record<string, unknown> {
  return {
    ...webhookConversation(conversation),
    participants: conversation.participants.map(({ name, email, role, phone }) => ({
      name,
      email,
      role,
      ...(phone === undefined ? {} : { [phoneField]: phone }),
    })),
    ended_at: conversation.ended_at,
    notes: conversation.notes,
    updated_at: conversation.updated_at,
  };
}

/** A `listItems: 'brief'` list item: no summary, no participants. */
export function briefConversation(conversation: DciStoredConversation): Record<string, unknown> {
  return {
    id: conversation.id,
    title: conversation.title,
    date: conversation.date,
    duration: conversation.duration,
    medium: conversation.medium,
    company: conversation.company,
    updated_at: conversation.updated_at,
  };
}
