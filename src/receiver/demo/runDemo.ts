// `npm run demo [-- --crm lime|superoffice]`: the receiver on a temporary SQLite database, the CRM's emulator with
// demo data (Lime's, or SuperOffice's signed in as an Online system user) and DCI's emulator; sends the sample
// payloads signed as DCI signs them, waits for delivery and prints what happened to every participant; then lets
// DCI's emulator send its documented webhook and shows what enrichment from its REST API added.
// The demo launcher is the one product entry point allowed to import the sandbox.
import { mkdtempSync, rmSync } from 'node:fs';
import { countNoun } from '../../core/countNoun';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DciClient } from '../../dci-api';
import { startDciEmulator } from '../../sandbox/dci';
import { loadConfig } from '../config/loadConfig';
import { signDci } from '../ingest/signWebhook';
import { createLogger } from '../observability/logger';
import { makeCrmConnector } from '../makeCrmConnector';
import { startReceiver, type RunningReceiver } from '../startReceiver';
import type { DeliveryRow } from '../store/receiverStore';
import type { DemoCrm, DemoCrmName } from './demoCrm';
import { startDemoLime } from './demoLime';
import { startDemoSuperOffice } from './demoSuperOffice';
import { DEMO_USAGE, parseDemoArgs } from './parseDemoArgs';
import { regeneratedSample, samplePayloads, type SamplePayload } from './samplePayloads';
import { showEnrichedWebhook } from './showEnrichedWebhook';

const SECRET = 'demo-webhook-secret';
const DCI_TOKEN = 'mt_demo0001companion';
const WAIT_LIMIT_MS = 30_000;

async function runDemo(crmName: DemoCrmName): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dci-companion-demo-'));
  const crm = crmName === 'superoffice' ? await startDemoSuperOffice() : await startDemoLime();
  const dci = await startDciEmulator({
    tokens: { [DCI_TOKEN]: { scopes: ['conversations', 'recordings'], includeRecordings: true } },
  });
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    DCI_MODE: 'both',
    DCI_WEBHOOK_SECRETS: SECRET,
    DCI_API_URL: dci.baseUrl,
    DCI_API_TOKEN: DCI_TOKEN,
    DCI_CONVERSATION_URL: 'https://app.dci-emulator.test/conversations/{id}',
    ...crm.environment,
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
  });
  const receiver = await startReceiver(config, {
    logger: createLogger('silent'),
    makeCrmConnector,
    makeDciApi: (options) => new DciClient(options),
    host: '127.0.0.1',
  });
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const records = `${crm.record}s`;

  try {
    out('DCI CRM Companion — demo');
    out(`  receiver: ${receiver.url}   (SQLite in ${dataDir})`);
    for (const line of crm.banner) out(`  ${line}`);
    out();
    const samples = samplePayloads(crm.title);
    for (const sample of samples) await send(receiver, sample, out);
    await waitForQuiet(receiver);
    out();
    out(
      `Re-sending the first meeting with a regenerated summary (DCI re-sends; ${records} must be updated, not added):`,
    );
    await send(receiver, regeneratedSample(), out);
    await waitForQuiet(receiver);
    out();

    const rows = await receiver.store.listDeliveries({ limit: 50 });
    let unexpected = 0;
    for (const sample of samples) {
      const conversation = (sample.payload['data'] as { conversation: Record<string, unknown> }).conversation;
      const row = rows.find((candidate) => candidate.conversationId === conversation['id']);
      out(`■ ${sample.label}`);
      out(`  "${String(conversation['title'])}" — delivery ${row?.status ?? 'missing'}`);
      if (!row || row.status !== 'delivered') {
        unexpected += 1;
        out(`  ${row?.lastErrorMessage ?? ''}`);
        continue;
      }
      const detail = await receiver.store.getDelivery(row.id);
      const participants = (conversation['participants'] as Array<Record<string, unknown>> | undefined) ?? [];
      for (const outcome of detail?.outcomes ?? []) {
        const who = participants[outcome.participantIndex];
        const name = String(who?.['name'] ?? `participant ${outcome.participantIndex + 1}`);
        out(
          `  - ${name}: ${describe(outcome.outcome, outcome.matchedBy, crm)}${outcome.noteId ? ` (${crm.record} ${String(outcome.noteId)})` : ''}`,
        );
        out(`      ${outcome.trace}`);
      }
      out();
    }
    unexpected += await showEnrichedWebhook({ receiver, dci, crm, webhookSecret: SECRET, out });
    out(
      `${crm.title} now holds ${countNoun(crm.countRecords(), `DCI ${crm.record}`)}; the re-sent meeting updated its ${records} in place.`,
    );
    for (const line of crm.epilogue()) out(line);
    summarize(await receiver.store.listDeliveries({ limit: 50 }), out);
    return unexpected === 0 ? 0 : 1;
  } finally {
    await receiver.close();
    await dci.close();
    await crm.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function send(receiver: RunningReceiver, sample: SamplePayload, out: (line?: string) => void): Promise<void> {
  const body = JSON.stringify(sample.payload);
  const meta = sample.payload['_meta'] as { delivery_id: string };
  const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
    method: 'POST',
    headers: signDci(body, SECRET, { deliveryId: meta.delivery_id }),
    body,
  });
  const answer = (await response.json()) as { status?: string };
  out(`  sent "${sample.label}" → ${response.status} ${answer.status ?? ''}`);
}

/** Waits until no delivery is pending, in progress or retrying (the demo's Lime never fails). */
async function waitForQuiet(receiver: RunningReceiver): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const { byStatus } = await receiver.store.counts();
    if (byStatus.pending + byStatus.in_progress + byStatus.retrying === 0) return;
    if (Date.now() > deadline) throw new Error('deliveries did not finish within 30 s');
    receiver.worker.wake();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function describe(outcome: string, matchedBy: string | undefined, crm: DemoCrm): string {
  switch (outcome) {
    case 'written':
      return `${crm.record} written (matched by ${matchedBy ?? '?'})`;
    case 'updated':
      return `${crm.record} updated in place (matched by ${matchedBy ?? '?'})`;
    case 'same_person':
      return `same person as another participant: one ${crm.record}`;
    case 'no_match':
      return `skipped: no matching person in ${crm.title}`;
    case 'company_note':
      return `company ${crm.record}: no person certain, the company is`;
    case 'ambiguous':
      return 'skipped: ambiguous, nothing written';
    case 'internal':
      return 'skipped: colleague';
    case 'not_matchable':
      return 'skipped: no e-mail or phone';
    default:
      return outcome;
  }
}

function summarize(rows: DeliveryRow[], out: (line?: string) => void): void {
  const delivered = rows.filter((row) => row.status === 'delivered').length;
  out(`${delivered} of ${rows.length} deliveries delivered.`);
}

const args = parseDemoArgs(process.argv.slice(2));
if (args.kind === 'help') {
  process.stdout.write(`${DEMO_USAGE}\n`);
} else if (args.kind === 'usage_error') {
  process.stderr.write(`${args.message}\n${DEMO_USAGE}\n`);
  process.exitCode = 2;
} else {
  runDemo(args.crm)
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
