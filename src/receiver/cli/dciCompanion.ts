// `dci-companion`: operator commands for a receiver. `send-sample` posts signed sample payloads to a running
// receiver; `deliveries`, `requeue` and `erase` work on the receiver's store (DATABASE_URL, else DATA_DIR; it may be
// running); `backup` and `restore` (backupCommands.ts) copy the SQLite store; `test-connection` and `backfill`
// (dciCommands.ts) read the receiver's whole configuration.
import { randomUUID } from 'node:crypto';
import { normalizeEmail } from '../../core';
import { countNoun } from '../../core/countNoun';
import { readCrm } from '../config/crmInEffect';
import { regeneratedSample, samplePayloads, type SamplePayload } from '../demo/samplePayloads';
import { signDci } from '../ingest/signWebhook';
import { assignParticipant } from './assignCommand';
import { backup, restore } from './backupCommands';
import { missingDatabase, storeLocationOrSay } from './cliStore';
import { backfill, testConnection } from './dciCommands';
import { otherCrmDeadLeftText, otherCrmRequeueRefusal } from '../admin/otherCrmDeliveries';
import { erasePerson } from '../privacy/erasePerson';
import { hashAdminPassword } from '../secrets/adminPassword';
import {
  DELIVERY_STATUSES,
  PAYLOAD_ERASED,
  type DeliveryStatus,
  type ErasureResult,
  type ReceiverStore,
} from '../store/receiverStore';
import { openStore } from '../store/openStore';
import { resolveLookupKey } from '../secrets/participantLookup';
import { parseSecretKey } from '../secrets/secretBox';

const USAGE = `Usage: dci-companion <command> [options]

  send-sample [--url URL] [--secret SECRET] [--sample N] [--fresh]
                 post the sample payloads (or only sample N, 1-based) signed like DCI to a receiver
                 (default URL http://127.0.0.1:$PORT or :8080; default secret: the first of DCI_WEBHOOK_SECRETS).
                 They carry fixed delivery ids: sent again, the receiver answers "duplicate". --fresh sends them
                 with new delivery ids and the current time, as DCI re-sending the same meetings: delivered again,
                 the notes updated in place
  deliveries [--status STATUS] [--limit N]
                 list deliveries, newest first (STATUS: ${DELIVERY_STATUSES.join(', ')})
  requeue <delivery-id> | --dead
                 make a dead (or delivered) delivery due again, or every dead one; only the CRM in effect's
                 (CRM): another CRM's are left until that CRM is set again
  erase --email ADDRESS
                 remove what this receiver stores about one person: payloads naming the address, with their
                 titles and matching traces, other traces naming it, and their contact index entries
                 (notes already in the CRM stay: erase the person there too)
  backup <file> [--force]
                 write an online backup of the SQLite store (consistent while the receiver runs) to <file>;
                 an existing <file> is replaced only with --force. PostgreSQL: use pg_dump
  restore <file> [--create]
                 check the backup <file> and put it in place of the SQLite store; the receiver must be
                 stopped; the current database is kept as receiver.sqlite.before-restore-<time>
  hash-password  read a password on standard input and print its ADMIN_PASSWORD_HASH value
  test-connection
                 test DCI's REST API (token, scopes, recordings, rate limit) and the CRM (Lime, or SuperOffice
                 with CRM=superoffice), each step with what to change when it fails; exit 0 when every
                 configured check passes, 1 when one fails
  backfill --since YYYY-MM-DD [--dry-run]
                 store every conversation DCI lists since that day (00:00 UTC; at most 30 days back) for the
                 receiver to deliver; already delivered ones are not written again. --dry-run stores and writes
                 nothing and prints, per participant, what would be written in the CRM
  assign <conversation-id> --participant N --person ID
                 an admin's choice: participant N (1-based, as the delivery page numbers them), left without a
                 person (no match, ambiguous), IS that CRM person: the note is written on them once, and the page
                 and trace record that it was chosen from the CLI

deliveries, requeue, erase, backfill, backup and restore refuse a DATA_DIR without a receiver database (a
mistyped one); --create starts an empty one there instead (not for backup; for restore: restores into a new one).
test-connection creates none there either: it tests the environment's settings only (none saved on the admin
pages are read).

Environment: DATABASE_URL (and DATABASE_SCHEMA), else DATA_DIR (default ./data), for deliveries/requeue/erase/
backup/restore;
PORT and DCI_WEBHOOK_SECRETS for send-sample; the receiver's whole configuration (docs/receiver.md: Configuration) for
test-connection and backfill, with the DCI and CRM connections saved on the admin pages when the environment
does not set them (SECRET_KEY opens their secrets).`;

type Output = (line: string) => void;

/** Runs one command; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  out: Output,
  err: Output,
  stdin: AsyncIterable<Buffer | string> = process.stdin,
): Promise<number> {
  const [command, ...rest] = args;
  const options = parseOptions(rest);
  if (!options) {
    err(USAGE);
    return 2;
  }
  switch (command) {
    case 'send-sample':
      return sendSample(options, env, out, err);
    case 'deliveries':
      return listDeliveries(options, env, out, err);
    case 'requeue':
      return requeue(options, env, out, err);
    case 'erase':
      return erase(options, env, out, err);
    case 'backup':
      return backup(options.positional[0], { force: options.flags['force'] === true }, env, out, err);
    case 'restore':
      return restore(options.positional[0], { create: options.flags['create'] === true }, env, out, err);
    case 'hash-password':
      return hashPassword(stdin, out, err);
    case 'test-connection':
      if (rest.length > 0) {
        err(`test-connection takes no options.\n\n${USAGE}`);
        return 2;
      }
      return testConnection(env, out, err);
    case 'assign':
      return assignParticipant(
        {
          conversationId: options.positional[0],
          participant: options.flags['participant'],
          person: options.flags['person'],
        },
        env,
        out,
        err,
      );
    case 'backfill':
      if (options.positional.length > 0 || Object.keys(options.flags).some((flag) => !BACKFILL_FLAGS.has(flag))) {
        err(`backfill takes --since YYYY-MM-DD and --dry-run only.\n\n${USAGE}`);
        return 2;
      }
      return backfill(
        {
          since: options.flags['since'],
          dryRun: options.flags['dry-run'] === true,
          create: options.flags['create'] === true,
        },
        env,
        out,
        err,
      );
    default:
      err(
        command === undefined || command === 'help' || command === '--help'
          ? USAGE
          : `Unknown command "${command}".\n\n${USAGE}`,
      );
      return command === 'help' || command === '--help' ? 0 : 2;
  }
}

const BACKFILL_FLAGS = new Set(['since', 'dry-run', 'create']);
/** Flags that take no value. */
const SWITCHES = new Set(['dead', 'dry-run', 'create', 'force', 'fresh']);

interface Options {
  flags: Record<string, string | true>;
  positional: string[];
}

function parseOptions(args: string[]): Options | undefined {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    if (SWITCHES.has(name)) {
      flags[name] = true;
      continue;
    }
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) return undefined;
    flags[name] = value;
    i += 1;
  }
  return { flags, positional };
}

async function sendSample(options: Options, env: Record<string, string | undefined>, out: Output, err: Output) {
  const url = String(options.flags['url'] ?? `http://127.0.0.1:${env['PORT'] ?? '8080'}`).replace(/\/+$/u, '');
  const secret = options.flags['secret'] ?? env['DCI_WEBHOOK_SECRETS']?.split(',')[0]?.trim();
  if (typeof secret !== 'string' || secret === '') {
    err('No secret: pass --secret or set DCI_WEBHOOK_SECRETS.');
    return 2;
  }
  const all = [...samplePayloads(), regeneratedSample()];
  const which = options.flags['sample'];
  const index = which === undefined ? undefined : Number(which) - 1;
  if (index !== undefined && (!Number.isInteger(index) || index < 0 || index >= all.length)) {
    err(`--sample must be 1 to ${all.length}.`);
    return 2;
  }
  const chosen = index === undefined ? all : [all[index]!];
  let failed = 0;
  for (const sample of options.flags['fresh'] === true ? freshSamples(chosen, new Date()) : chosen) {
    const body = JSON.stringify(sample.payload);
    const deliveryId = String((sample.payload['_meta'] as Record<string, unknown>)['delivery_id']);
    try {
      const response = await fetch(`${url}/api/v1/dci/webhook`, {
        method: 'POST',
        headers: signDci(body, secret, { deliveryId }),
        body,
      });
      out(`${response.status} ${await response.text()}  ← ${sample.label}`);
      if (response.status >= 300) failed += 1;
    } catch (error) {
      err(`could not reach ${url}: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
  }
  return failed === 0 ? 0 : 1;
}

/**
 * The samples as a new send of the same meetings: new delivery ids (so none is a duplicate) and event times from
 * `now` on, one millisecond apart in the order sent (so none is older than what the receiver holds, and the
 * regenerated summary stays the newer of its two).
 */
function freshSamples(samples: SamplePayload[], now: Date): SamplePayload[] {
  return samples.map((sample, position) => {
    const payload = structuredClone(sample.payload);
    const meta = payload['_meta'] as Record<string, unknown>;
    meta['delivery_id'] = `${String(meta['delivery_id'])}-${randomUUID()}`;
    payload['timestamp'] = new Date(now.getTime() + position).toISOString();
    return { ...sample, payload };
  });
}

async function listDeliveries(options: Options, env: Record<string, string | undefined>, out: Output, err: Output) {
  const status = options.flags['status'];
  if (status !== undefined && !DELIVERY_STATUSES.includes(status as DeliveryStatus)) {
    err(`--status must be one of ${DELIVERY_STATUSES.join(', ')}.`);
    return 2;
  }
  const limit = Number(options.flags['limit'] ?? 20);
  const store = await openCliStore(env, options, err);
  if (store === undefined) return 2;
  try {
    const rows = await store.listDeliveries({
      status: status as DeliveryStatus | undefined,
      limit: Number.isInteger(limit) && limit > 0 ? limit : 20,
    });
    if (rows.length === 0) out('No deliveries.');
    for (const row of rows) {
      const error = row.lastErrorCode ? `  ${row.lastErrorCode}: ${row.lastErrorMessage ?? ''}` : '';
      out(
        `${row.id}  ${row.status.padEnd(11)}  ${row.createdAt.toISOString()}  attempts ${row.attempts}  ${row.title || '(title removed)'}${error}`,
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}

async function requeue(options: Options, env: Record<string, string | undefined>, out: Output, err: Output) {
  const [id] = options.positional;
  if (id === undefined && options.flags['dead'] !== true) {
    err('requeue needs a delivery id or --dead.');
    return 2;
  }
  const store = await openCliStore(env, options, err);
  if (store === undefined) return 2;
  try {
    // The CRM in effect (CRM, as the receiver reads it): only its deliveries are requeued. Another CRM's would
    // wait, claimed by no worker, until that CRM is set again.
    const target = readCrm(env).crm;
    if (options.flags['dead'] === true) {
      const count = await store.requeueAllDead(new Date(), target);
      out(`${countNoun(count, 'dead delivery', 'dead deliveries')} requeued.`);
      const left = new Map<string, number>();
      for (const row of await store.listDeliveries({ status: 'dead', limit: 10_000 })) {
        if (row.target !== target) left.set(row.target, (left.get(row.target) ?? 0) + 1);
      }
      for (const [other, n] of left) out(otherCrmDeadLeftText(other, n));
      return 0;
    }
    const refusal = otherCrmRequeueRefusal((await store.getDelivery(id ?? ''))?.target, target);
    if (refusal !== undefined) {
      out(refusal);
      return 1;
    }
    const done = await store.requeue(id ?? '', new Date());
    out(done ? `Delivery ${id} requeued.` : `Delivery ${id} was not requeued (unknown, or in progress).`);
    return done ? 0 : 1;
  } finally {
    await store.close();
  }
}

async function erase(options: Options, env: Record<string, string | undefined>, out: Output, err: Output) {
  const given = options.flags['email'];
  if (typeof given !== 'string') {
    err('erase needs --email ADDRESS.');
    return 2;
  }
  const email = normalizeEmail(given);
  if (email === undefined) {
    err('--email must be an e-mail address (name@example.com).');
    return 2;
  }
  const store = await openCliStore(env, options, err);
  if (store === undefined) return 2;
  try {
    // The lookup key as the receiver has it (SECRET_KEY, else the stored seed): rows with the e-mail's hash go too.
    const secretKey = parseSecretKey(env['SECRET_KEY'] ?? '');
    const lookupKey = await resolveLookupKey(secretKey, (candidate) => store.claimLookupSeed(candidate));
    for (const line of erasureReport(email, await erasePerson(store, email, new Date(), lookupKey))) out(line);
    return 0;
  } finally {
    await store.close();
  }
}

/** What an erasure removed, for the operator's record: counts and delivery ids, no data beyond the address given. */
function erasureReport(email: string, result: ErasureResult): string[] {
  const lines = [
    `Erased what this receiver stored about ${email}:`,
    `  payloads removed: ${result.payloads}`,
    `  matching traces removed: ${result.traces}`,
    `  contact index entries removed: ${result.contactIndexEntries}`,
    `  deliveries touched: ${result.deliveries.length}`,
  ];
  for (const delivery of result.deliveries) {
    const status =
      delivery.status === delivery.statusBefore ? delivery.status : `${delivery.statusBefore} -> ${delivery.status}`;
    let what = delivery.payloadRemoved ? 'payload, title and traces removed' : 'a matching trace removed';
    if (delivery.payloadRemoved && delivery.statusBefore !== 'delivered') {
      what += `; it was not delivered and now never will be (dead, ${PAYLOAD_ERASED})`;
    }
    if (delivery.statusBefore === 'in_progress') what += '; it was being delivered: check the CRM for a note';
    lines.push(`    ${delivery.id}  ${status}  ${what}`);
  }
  lines.push(
    'Not touched: notes and contacts already written to the CRM (erase the person there with its own tools), the',
    "CRM's copy the contact index syncs from (erase there first, or the next sync brings the entry back), and DCI",
    '(a new send of a meeting is stored again). Database backups keep what they hold until they expire.',
  );
  return lines;
}

/**
 * The receiver's store, or undefined (after saying why) when its environment variables are invalid, or when DATA_DIR
 * holds no database and `--create` was not given.
 */
async function openCliStore(
  env: Record<string, string | undefined>,
  options: Options,
  err: Output,
): Promise<ReceiverStore | undefined> {
  const location = storeLocationOrSay(env, err);
  if (location === undefined) return undefined;
  const missing = options.flags['create'] === true ? undefined : missingDatabase(location, env);
  if (missing !== undefined) {
    err(missing);
    return undefined;
  }
  return openStore(location);
}

async function hashPassword(stdin: AsyncIterable<Buffer | string>, out: Output, err: Output): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk));
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/u, '');
  if (password.length < 12) {
    err('Use a password of at least 12 characters.');
    return 2;
  }
  out(await hashAdminPassword(password));
  return 0;
}

/** The process entry point: runs the command in `process.argv` and exits with its code. */
export function main(): void {
  runCli(
    process.argv.slice(2),
    process.env,
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  )
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}

if (require.main === module) main();
