import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../support/dockerfile';

// scripts/start.js, which `npm start` runs (plain Node, so cmd.exe runs it as sh does): in a folder of its own with a
// stand-in for the built receiver, dist/receiver/main.js, that prints how it was started and obeys FAKE_MODE. The
// real receiver under `npm start` in a release folder: test/component/releaseFolder.test.ts.

const FLAGS = ['--max-semi-space-size=32', '--no-deprecation'];

/** The stand-in receiver: one JSON line (its Node flags and folder) once its signal handlers are in place. */
const FAKE_MAIN = `'use strict';
const mode = process.env.FAKE_MODE;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    process.stdout.write('received ' + signal + '\\n');
    process.exit(0);
  });
}
process.stdout.write(JSON.stringify({ execArgv: process.execArgv, cwd: process.cwd() }) + '\\n');
if (mode === 'exit') process.exit(Number(process.env.FAKE_EXIT_CODE));
if (mode === 'killed') process.kill(process.pid, 'SIGKILL');
setInterval(() => undefined, 1000);
`;

let root: string;
let unbuilt: string;

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'dci-start-script-')));
  const folder = (name: string, withMain: boolean) => {
    const dir = join(root, name);
    mkdirSync(join(dir, 'scripts'), { recursive: true });
    copyFileSync(join(REPOSITORY_ROOT, 'scripts', 'start.js'), join(dir, 'scripts', 'start.js'));
    // Two spaces between the flags: start.js splits on any white space.
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'start-script-test', config: { receiverNodeFlags: FLAGS.join('  ') } }),
    );
    if (withMain) {
      mkdirSync(join(dir, 'dist', 'receiver'), { recursive: true });
      writeFileSync(join(dir, 'dist', 'receiver', 'main.js'), FAKE_MAIN);
    }
    return dir;
  };
  folder('release', true);
  unbuilt = folder('unbuilt', false);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `node scripts/start.js` of `folder`, run from another folder (as npm may), its output collected. */
function startScript(folder: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [join(folder, 'scripts', 'start.js')], {
    cwd: tmpdir(),
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const finished = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
    stdout,
    stderr,
  }));
  /** The stand-in's first line, once it is running with its signal handlers in place. */
  const started = new Promise<{ execArgv: string[]; cwd: string }>((resolve, reject) => {
    const onData = () => {
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      child.stdout.off('data', onData);
      resolve(JSON.parse(stdout.slice(0, newline)) as { execArgv: string[]; cwd: string });
    };
    child.stdout.on('data', onData);
    void finished.then((result) =>
      reject(new Error(`start.js ended before the receiver started: ${JSON.stringify(result)}`)),
    );
  });
  // Handled here too: a test that never awaits it (start.js refusing to start) leaves no unhandled rejection.
  started.catch(() => undefined);
  return { child, started, finished };
}

describe('scripts/start.js (npm start)', () => {
  it('where dist/receiver/main.js is missing, says to build first and exits 1', async () => {
    const result = await startScript(unbuilt).finished;
    expect(result).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: 'The receiver is not built: run npm run build first.\n',
    });
  });

  it("starts dist/receiver/main.js with this Node and package.json's config.receiverNodeFlags, in the package's folder", async () => {
    const run = startScript(join(root, 'release'), { FAKE_MODE: 'exit', FAKE_EXIT_CODE: '0' });
    expect(await run.started).toEqual({ execArgv: FLAGS, cwd: join(root, 'release') });
    expect((await run.finished).code).toBe(0);
  });

  it.each([3, 1])("exits with the receiver's exit code (%i)", async (exitCode) => {
    const result = await startScript(join(root, 'release'), { FAKE_MODE: 'exit', FAKE_EXIT_CODE: String(exitCode) })
      .finished;
    expect({ code: result.code, signal: result.signal }).toEqual({ code: exitCode, signal: null });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'passes %s sent to it (and to it only) on to the receiver, and exits as the receiver did',
    async (signal) => {
      const run = startScript(join(root, 'release'));
      await run.started;
      run.child.kill(signal);
      const result = await run.finished;
      expect(result.stdout).toContain(`received ${signal}\n`);
      expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
    },
  );

  it('ends by the signal that ended the receiver', async () => {
    const result = await startScript(join(root, 'release'), { FAKE_MODE: 'killed' }).finished;
    expect({ code: result.code, signal: result.signal }).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
