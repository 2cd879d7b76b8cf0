// Realistic DCI payloads for the benchmarks: a ~5 KB summary, a presenter from the seller's own domain, external
// participants with e-mail, phone and company, unique conversation and delivery ids.

const SENTENCES = [
  'The customer walked through their current process for handling inbound requests and where it breaks down.',
  'They use three separate tools today and re-type contact details between them, which causes duplicates.',
  'Sara presented the proposed setup with single sign-on, the mobile app and the reporting module.',
  'The customer asked how historical data would be migrated and how long the cut-over would take.',
  'We agreed that a pilot with the support team in the first quarter is the most sensible first step.',
  'Budget for the pilot is approved; the full roll-out needs a decision from the steering group in March.',
  'Security review: they need the data processing agreement and a description of where data is stored.',
  'Open question on pricing for seasonal staff, who only need access three months a year.',
  'Next steps: Sara sends a revised offer with a three-year term and a price review after year one.',
  'The customer will book a technical session with their IT department before the end of the month.',
];

/** A summary of about `bytes` characters, deterministic per `seed`. */
export function summaryText(bytes: number, seed: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i += 1) {
    const sentence = SENTENCES[(seed + i) % SENTENCES.length] ?? '';
    parts.push(sentence);
    length += sentence.length + 1;
  }
  return parts.join(' ').slice(0, bytes);
}

/** A conversation id unique per (run, index): a UUID-shaped string, fixed width. */
export function conversationIdOf(run: number, index: number): string {
  return `b3c40000-${String(run % 10_000).padStart(4, '0')}-4000-8000-${String(index).padStart(12, '0')}`;
}

export interface BenchParticipant {
  name: string;
  email: string;
  company?: string;
  mobilePhone?: string;
}

/** A `conversation.completed` payload as DCI sends it (wire format), with `participants` after the presenter. */
export function meetingPayload(options: {
  conversationId: string;
  deliveryId: string;
  participants: readonly BenchParticipant[];
  summaryBytes: number;
  seed: number;
}): Record<string, unknown> {
  const { conversationId, deliveryId } = options;
  const link = `https://app.dstny.example/conversations/${conversationId}`;
  // Each meeting its own week, as in reality: with one start for all, a CRM search by person and date (SuperOffice's
  // lost-answer search, src/superoffice-script/findUnkeyedAppointment.ts, looks from a day before to two days after)
  // would find and read every earlier benchmark meeting's appointments.
  const startsAt = Date.parse('2026-11-20T09:00:00.000Z') - options.seed * 7 * 24 * 60 * 60 * 1000;
  const at = (minutes: number) => new Date(startsAt + minutes * 60 * 1000).toISOString();
  return {
    event: 'conversation.completed',
    timestamp: at(65),
    data: {
      conversation: {
        id: conversationId,
        url: link,
        recording_url: `${link}/recording`,
        transcript_url: `${link}/transcript`,
        title: 'Offer review — pilot and roll-out',
        date: at(0),
        end_date: at(45),
        medium: 'video',
        conversation_type: 'sales',
        location: 'Microsoft Teams',
        summary: summaryText(options.summaryBytes, options.seed),
        notes: 'Decision maker confirmed; budget owner joins the next meeting.',
        user: { id: 'u-17', name: 'Sara Säljare', email: 'sara.saljare@seller.se' },
        participants: [
          { name: 'Sara Säljare', email: 'sara.saljare@seller.se', role: 'host' },
          ...options.participants.map((participant) => ({
            name: participant.name,
            email: participant.email,
            ...(participant.company === undefined ? {} : { company: participant.company }),
            ...(participant.mobilePhone === undefined ? {} : { mobile_phone: participant.mobilePhone }),
            role: 'customer',
          })),
        ],
      },
    },
    _meta: { token_prefix: 'mt_bench001', delivery_id: deliveryId },
  };
}

/** The ingest benchmark's payload: ~6 KB, a 5 KB summary, 4 participants (the presenter and 3 customers). */
export function ingestPayload(conversationId: string, variant: number): Record<string, unknown> {
  return meetingPayload({
    conversationId,
    deliveryId: `${conversationId}-1`,
    summaryBytes: 5_000,
    seed: variant,
    participants: [
      { name: 'Anna Andersson', email: `anna.${variant}@acme.se`, company: 'Acme AB', mobilePhone: '+46 70 123 45 67' },
      { name: 'Lars Öberg', email: `lars.${variant}@acme.se`, company: 'Acme AB', mobilePhone: '+46 76 111 22 33' },
      { name: 'Erik Ek', email: `erik.${variant}@fjallbo.se`, company: 'Fjällbo Logistik AB' },
    ],
  });
}
