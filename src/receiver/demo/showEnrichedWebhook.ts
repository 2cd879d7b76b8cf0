// The demo's DCI part: DCI's emulator sends its documented `conversation.completed` webhook (no links, notes or
// phones) to the receiver, which completes it from DCI's REST API before matching. Prints what came, what was added,
// how each participant was matched and the Links section of the record written in the CRM (a note in Lime, an
// appointment in SuperOffice).
import type { DciEmulator } from '../../sandbox/dci';
import type { RunningReceiver } from '../startReceiver';
import type { DeliveryRow } from '../store/receiverStore';
import type { DemoCrm } from './demoCrm';

const WAIT_LIMIT_MS = 30_000;
const SELLER = { id: '67c869eb-30b1-4eb3-bd2c-be8c912a9827', name: 'Sara Säljare', email: 'sara.saljare@seller.se' };

export interface EnrichedWebhookDemo {
  receiver: RunningReceiver;
  dci: DciEmulator;
  /** The CRM the demo delivers to: its name for the held payload, its records for the Links section. */
  crm: Pick<DemoCrm, 'name' | 'title' | 'record' | 'recordText'>;
  /** The secret the receiver verifies DCI's webhooks with. */
  webhookSecret: string;
  out: (line?: string) => void;
}

/** Runs the DCI part of the demo; resolves with the number of unexpected results (0 when all went as shown). */
export async function showEnrichedWebhook({
  receiver,
  dci,
  crm,
  webhookSecret,
  out,
}: EnrichedWebhookDemo): Promise<number> {
  out("DCI's documented webhook, enriched from DCI's REST API (DCI emulator):");
  out(`  DCI emulator: ${dci.baseUrl}   (token scopes conversations + recordings, include_recordings=true)`);
  dci.subscribe({ url: `${receiver.url}/api/v1/dci/webhook`, secret: webhookSecret });
  const id = dci.addConversation({
    title: 'Discovery call — Acme',
    company: 'Acme',
    date: new Date(dci.now().getTime() - 40 * 60_000).toISOString(),
    duration: 1800,
    medium: 'call',
    conversation_type: 'sales',
    user: SELLER,
    participants: [
      // Known to DCI by her mobile only: the webhook names her, the REST detail carries the number.
      { name: 'Anna Andersson', phone: '070-123 45 67', role: 'customer' },
      { name: 'Lars Öberg', email: 'lars.oberg@acme.se', role: 'customer' },
    ],
    notes: 'Anna called from her mobile; Lars joined later.',
    recording: true,
  }).id;
  dci.completeConversation(id, { summary: 'Acme wants a quote for 40 seats; Lars needs single sign-on first.' });
  const row = await waitForDelivered(receiver, id);
  const unexpected: string[] = row.status === 'delivered' ? [] : [`delivery ${row.status}`];

  const sent = dci.webhookDeliveries.find((attempt) => attempt.conversationId === id);
  out(`  DCI sent conversation.completed → the receiver answered ${sent?.status ?? 'nothing'}`);
  const [held] = await receiver.store.heldPayloads(crm.name, [id]);
  const body = JSON.parse(held?.rawBody?.toString('utf8') ?? '{}') as {
    data?: { conversation?: Record<string, unknown> };
  };
  const conversation = body.data?.conversation ?? {};
  const participants = Array.isArray(conversation['participants'])
    ? (conversation['participants'] as Array<Record<string, unknown>>)
    : [];
  const participantKeys = [...new Set(participants.flatMap((participant) => Object.keys(participant)))];
  out(`  the webhook's conversation fields: ${Object.keys(conversation).join(', ')}`);
  out(`  its participants' fields: ${participantKeys.join(', ')}`);
  const absent = ['url', 'recording_url', 'transcript_url', 'notes']
    .filter((key) => !(key in conversation))
    .concat(participantKeys.some((key) => /phone|mobile/u.test(key)) ? [] : ['participant phones']);
  out(`  — so no links, notes or phones: absent are ${absent.join(', ')}`);

  out(`■ "${String(conversation['title'])}" — delivery ${row.status} (from ${row.source})`);
  const enrichment = row.enrichment;
  out(`  enrichment: ${enrichment?.state ?? 'none'}; added: ${enrichment?.added.join(', ') || 'nothing'}`);
  for (const { part, reason } of enrichment?.missing ?? []) out(`    still missing ${part}: ${reason}`);
  if (enrichment?.state !== 'complete') unexpected.push('enrichment not complete');

  const detail = await receiver.store.getDelivery(row.id);
  for (const outcome of detail?.outcomes ?? []) {
    const name = String(participants[outcome.participantIndex]?.['name'] ?? `participant ${outcome.participantIndex}`);
    const how =
      outcome.matchedBy === undefined ? outcome.outcome : `${outcome.outcome}, matched by ${outcome.matchedBy}`;
    out(`  - ${name}: ${how}${outcome.noteId === undefined ? '' : ` (${crm.record} ${String(outcome.noteId)})`}`);
  }
  const matchedBy = (detail?.outcomes ?? []).map((outcome) => outcome.matchedBy);
  if (matchedBy.join() !== 'mobile,email') unexpected.push(`matched by ${matchedBy.join()}`);

  const links = linksSection(crm.recordText(id) ?? '');
  out(`  the ${crm.record} in ${crm.title}, its Links section:`);
  for (const line of links) out(`    ${line}`);
  if (!links.some((line) => line.includes('Recording:'))) unexpected.push(`no recording link in the ${crm.record}`);
  if (unexpected.length > 0) out(`  UNEXPECTED: ${unexpected.join('; ')}`);
  out();
  return unexpected.length;
}

/** The lines from `Links:` up to the next blank line of a note's text; empty when it has none. */
function linksSection(note: string): string[] {
  const lines = note.replace(/\r\n?/gu, '\n').split('\n');
  const start = lines.findIndex((line) => line.trim() === 'Links:');
  if (start < 0) return [];
  const end = lines.findIndex((line, index) => index > start && line.trim() === '');
  return lines.slice(start, end < 0 ? undefined : end);
}

async function waitForDelivered(receiver: RunningReceiver, conversationId: string): Promise<DeliveryRow> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const row = (await receiver.store.listDeliveries({ search: conversationId, limit: 5 })).find(
      (candidate) => candidate.conversationId === conversationId,
    );
    if (row?.status === 'delivered' || row?.status === 'dead') return row;
    if (Date.now() > deadline)
      throw new Error(`the DCI conversation was not delivered within ${WAIT_LIMIT_MS / 1000} s`);
    receiver.worker.wake();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
