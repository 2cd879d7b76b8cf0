// The ingest load generator, run as its own process (bench/ingestLoad.ts spawns it) so it never shares the
// receiver's event loop: autocannon posts signed ~6 KB summaries to POST /api/v1/dci/webhook at a fixed number of
// connections, a warm-up first, then the measured run. Prints one JSON line (LoadResult) on stdout.
//
// Every request is a new summary: its own conversation id and delivery id, signed over the exact bytes sent. The
// bodies are made from a few pre-serialised templates by putting a fresh id in, then signed, per request
// (precomputing a fixed pool would repeat ids after a few seconds at the target rate, and repeats are duplicates:
// a cheaper path than a real accept).
import autocannon from 'autocannon';
import { signDci } from '../src/receiver/ingest/signWebhook';
import { conversationIdOf, ingestPayload } from './benchPayloads';

export interface LoadOptions {
  url: string;
  secret: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Keeps ids unique across runs against one database. */
  run: number;
}

export interface LoadResult {
  connections: number;
  durationSeconds: number;
  requests: number;
  accepted: number;
  acceptedPerSecond: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  bodyBytes: number;
  /** What making and signing one body costs the generator, in µs (it is not free on a 2-core machine). */
  generatorMicrosPerRequest: number;
  /** Responses over warm-up and measured run together (the receiver's CPU time is read over both). */
  responsesIncludingWarmup: number;
}

const PLACEHOLDER = '00000000-0000-4000-8000-placeholder0';
const TEMPLATES = 16;

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
  const templates = Array.from({ length: TEMPLATES }, (_, variant) =>
    JSON.stringify(ingestPayload(PLACEHOLDER, variant)),
  );
  let next = 0;
  const nextRequest = (): { body: string; headers: Record<string, string> } => {
    const index = next;
    next += 1;
    const conversationId = conversationIdOf(options.run, index);
    const body = (templates[index % TEMPLATES] ?? '').replaceAll(PLACEHOLDER, conversationId);
    return { body, headers: signDci(body, options.secret, { deliveryId: `${conversationId}-1` }) };
  };

  const probeStarted = process.hrtime.bigint();
  for (let i = 0; i < 1000; i += 1) nextRequest();
  const generatorMicrosPerRequest = Number(process.hrtime.bigint() - probeStarted) / 1000 / 1000;
  const bodyBytes = Buffer.byteLength(nextRequest().body);

  const run = (seconds: number) =>
    autocannon({
      url: options.url,
      connections: options.connections,
      duration: seconds,
      timeout: 10,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/dci/webhook',
          setupRequest: (request) => ({ ...request, ...nextRequest() }),
        },
      ],
    });

  const warmup = options.warmupSeconds > 0 ? await run(options.warmupSeconds) : undefined;
  const result = await run(options.durationSeconds);
  const accepted = result['2xx'];
  const output: LoadResult = {
    connections: options.connections,
    durationSeconds: result.duration,
    requests: result.requests.total,
    accepted,
    acceptedPerSecond: Math.round(accepted / result.duration),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    bodyBytes,
    generatorMicrosPerRequest: Math.round(generatorMicrosPerRequest * 10) / 10,
    responsesIncludingWarmup: result.requests.total + (warmup?.requests.total ?? 0),
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`load generator failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
