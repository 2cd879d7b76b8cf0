import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './waitFor';

const REPO_ROOT = join(__dirname, '..', '..');

/**
 * Compiles the product into `outDir` with tsconfig.build.json, as `npm run build` does, so a test can run
 * `<outDir>/receiver/main.js` as a real process. Throws with tsc's output when the build fails.
 */
export function buildProduct(outDir: string): void {
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(
      `building the product failed (${result.error?.message ?? `exit ${String(result.status ?? result.signal)}`}):\n` +
        `${result.stdout}${result.stderr}`,
    );
  }
}

/** Where globalSetup.ts built the product for this Jest run (its environment variable, seen by every test file). */
export const BUILT_PRODUCT_VARIABLE = 'DCI_TESTS_BUILT_PRODUCT';

/**
 * The product as `npm run build` compiles it, built once per Jest run by test/support/globalSetup.ts and shared,
 * read-only, by every test that runs it as a process: `distDir` is what `dist/` would hold.
 */
export function builtProduct(): { distDir: string; mainJs: string; cliJs: string } {
  const distDir = process.env[BUILT_PRODUCT_VARIABLE];
  if (distDir === undefined)
    throw new Error(`${BUILT_PRODUCT_VARIABLE} is not set: Jest's globalSetup builds the product`);
  return {
    distDir,
    mainJs: join(distDir, 'receiver', 'main.js'),
    cliJs: join(distDir, 'receiver', 'cli', 'dciCompanion.js'),
  };
}

/** A port nothing listens on right now (the OS picks it; the receiver is then started on it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `node <outDir>/receiver/main.js`, started by a test. */
export interface ReceiverProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Whether the process has not exited yet. */
  running(): boolean;
  /** Sends `signal` and resolves when the process has exited. */
  stop(signal: NodeJS.Signals): Promise<ProcessExit>;
}

/** Processes started by a test file, killed by `killAllReceivers` in afterAll. */
const started: ReceiverProcess[] = [];

/**
 * Starts the compiled receiver (`mainJs`) on a free port with `env` on top of this process's environment (PATH …),
 * and resolves once GET /healthz answers. Fails with the process's output when it exits or is not up in time.
 */
export async function startReceiverProcess(
  mainJs: string,
  env: Record<string, string>,
  readyTimeoutMs = 15_000,
  nodeFlags: readonly string[] = [],
): Promise<ReceiverProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFlags, mainJs], {
    // The compiled files live outside the repository: they find its dependencies through NODE_PATH.
    env: { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules'), ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  let exit: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const receiver: ReceiverProcess = {
    url,
    pid: child.pid ?? -1,
    output: () => chunks.join(''),
    running: () => exit === undefined,
    stop: async (signal) => {
      if (exit === undefined) child.kill(signal);
      return exited;
    },
  };
  started.push(receiver);

  const healthy = async (): Promise<boolean> => {
    if (exit !== undefined) {
      throw new Error(`the receiver exited (${JSON.stringify(exit)}) before it was up:\n${receiver.output()}`);
    }
    try {
      const response = await fetch(`${url}/healthz`);
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false; // not listening yet
    }
  };
  try {
    await waitFor(healthy, readyTimeoutMs, `the receiver on port ${port} to answer /healthz`, 50);
  } catch (error) {
    await receiver.stop('SIGKILL');
    throw withOutputOf([receiver], error);
  }
  return receiver;
}

/** The Node flags `npm start` runs the receiver with (package.json `config.receiverNodeFlags`). */
export function receiverNodeFlags(): string[] {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    config: { receiverNodeFlags: string };
  };
  return manifest.config.receiverNodeFlags.split(' ').filter((flag) => flag !== '');
}

/** Kills every receiver process a test started that still runs. */
export async function killAllReceivers(): Promise<void> {
  await Promise.all(started.splice(0).map((receiver) => receiver.stop('SIGKILL')));
}

/** `error`, with the output of the receiver processes appended to its message (a failing test shows their logs). */
export function withOutputOf(receivers: readonly ReceiverProcess[], error: unknown): Error {
  const failure = error instanceof Error ? error : new Error(String(error));
  const logs = receivers
    .map((receiver, index) => `--- receiver process ${index + 1} (pid ${receiver.pid}) ---\n${receiver.output()}`)
    .join('\n');
  failure.message = `${failure.message}\n\n${logs}`;
  return failure;
}
