// The compiled receiver (.build/src/receiver/main.js, built by `npm run bench`) as a child process, as an operator
// runs it: start-up time to ready, its resident memory, and a clean stop.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

const MAIN_JS = join(__dirname, '..', 'src', 'receiver', 'main.js');

/**
 * The Node flags the receiver runs with (package.json `config.receiverNodeFlags`, which `npm start` passes): the
 * benchmarks measure the receiver as it is deployed.
 */
export const RECEIVER_NODE_FLAGS: readonly string[] = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    config: { receiverNodeFlags: string };
  }
).config.receiverNodeFlags
  .split(' ')
  .filter((flag) => flag !== '');
const READY_LIMIT_MS = 30_000;

export interface ReceiverChild {
  url: string;
  pid: number;
  /** From spawn to the first 200 from GET /readyz. */
  spawnToReadyMs: number;
  /** Resident memory now (VmRSS of /proc/<pid>/status), in MiB. */
  rssMiB(): number;
  output(): string;
  /** SIGTERM (graceful), SIGKILL after 10 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

export async function startReceiverChild(env: Record<string, string>): Promise<ReceiverChild> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    [
      ...RECEIVER_NODE_FLAGS,
      ...(process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir=/tmp/cpuprof'] : []),
      MAIN_JS,
    ],
    {
      // Only what the receiver needs: a variable of the shell the benchmark runs in must not change what it measures.
      env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const chunks: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  let exited = false;
  const closed = once(child, 'close').then(() => {
    exited = true;
  });
  const pid = child.pid ?? -1;
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await closed;
    clearTimeout(timer);
  };

  const deadline = Date.now() + READY_LIMIT_MS;
  for (;;) {
    if (exited) throw new Error(`the receiver exited before it was ready:\n${chunks.join('')}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the receiver was not ready within ${READY_LIMIT_MS} ms:\n${chunks.join('')}`);
    }
    try {
      const response = await fetch(`${url}/readyz`);
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const spawnToReadyMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { url, pid, spawnToReadyMs, rssMiB: () => rssMiBOf(pid), output: () => chunks.join(''), stop };
}

/** VmRSS of a process, in MiB (Linux). */
export function rssMiBOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/mu.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

/** CPU time (user + system) a process has used so far, in seconds (Linux: /proc/<pid>/stat, 100 ticks a second). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Samples `sample()` every `everyMs` until the returned stop function is called; resolves to the samples. */
export function sampleEvery(everyMs: number, sample: () => number): () => number[] {
  const samples: number[] = [];
  const timer = setInterval(() => {
    try {
      samples.push(sample());
    } catch {
      // the process is gone; the caller notices elsewhere
    }
  }, everyMs);
  return () => {
    clearInterval(timer);
    return samples;
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
