import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { envOf, lastInstruction, readDockerfile, REPOSITORY_ROOT } from '../support/dockerfile';
import { closeAll, notesOf, startLime, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import { builtProduct, freePort, receiverNodeFlags } from '../support/receiverProcess';
import { waitFor } from '../support/waitFor';

// The release as the Dockerfile makes it: scripts/stageRelease.js copies the built product into a clean folder and
// installs production dependencies only there (`npm ci --omit=dev`, from the npm registry: minutes, once for this
// file). The receiver is then started FROM THAT FOLDER with the Dockerfile's own CMD and no NODE_PATH, so nothing
// is found in the repository's node_modules. No docker daemon runs here: this is as close to the image as it gets.
jest.setTimeout(15 * 60_000);

const SECRET = 'release-folder-secret';
const RELEASE_ENTRIES = ['bin', 'dist', 'node_modules', 'package-lock.json', 'package.json', 'scripts', 'views'];

const manifest = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const runtimeStage = readDockerfile().at(-1)!;

let workDir: string;
let release: string;
const children: ChildProcess[] = [];

/**
 * The environment a started process gets: PATH (node, npm), HOME (npm's configuration and cache), any proxy, and
 * `env`. Nothing else of this process's: no NODE_PATH, and no npm_config_* of an outer `npm test`, which would point
 * the release's `npm ci` at the repository.
 */
function cleanEnv(env: Record<string, string>): Record<string, string> {
  const passed = Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      /^(PATH|HOME|https?_proxy|no_proxy)$/iu.test(entry[0]) && entry[1] !== undefined,
  );
  return { ...Object.fromEntries(passed), ...env };
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs `command` to its end in its own process group; resolves with its exit and everything it printed. */
function run(command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Started {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  const chunks: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  const finished = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
    output: chunks.join(''),
  }));
  return { child, finished, output: () => chunks.join('') };
}

interface Started {
  child: ChildProcess;
  finished: Promise<Finished>;
  output(): string;
}

/** Resolves when GET `url` answers 2xx; fails with the process's output if it exits first. */
async function waitUntilAnswering(started: Started, url: string): Promise<void> {
  let exited = false;
  void started.finished.then(() => (exited = true));
  await waitFor(
    async () => {
      if (exited) throw new Error(`the receiver exited before it answered:\n${started.output()}`);
      try {
        const response = await fetch(url);
        await response.arrayBuffer();
        return response.ok;
      } catch {
        return false;
      }
    },
    60_000,
    `${url} to answer`,
    100,
  );
}

/** The command lines of the processes in process group `group` (Linux's /proc): what npm start really ran. */
function commandsInGroup(group: number): string[] {
  const commands: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/u.test(name))) {
    try {
      // pid (comm) state ppid pgrp …: comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== group) continue;
      commands.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' '));
    } catch {
      // the process ended meanwhile
    }
  }
  return commands;
}

/** Every file under `dir` with its size and modification time: a change anywhere shows as a difference. */
function snapshot(dir: string): string[] {
  const entries: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const stat = statSync(path);
        entries.push(`${relative(dir, path)} ${stat.size} ${stat.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return entries.sort();
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'dci-release-'));
  release = join(workDir, 'release');
  const staging = run(
    process.execPath,
    [join(REPOSITORY_ROOT, 'scripts', 'stageRelease.js'), '--dist', builtProduct().distDir, release],
    { cwd: REPOSITORY_ROOT, env: cleanEnv({}) },
  );
  const result = await staging.finished;
  if (result.code !== 0) throw new Error(`scripts/stageRelease.js failed (${result.code}):\n${result.output}`);
});

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  await closeAll();
  rmSync(workDir, { recursive: true, force: true });
});

describe('the release folder scripts/stageRelease.js makes (what the Dockerfile copies into the image)', () => {
  it('holds the built product, its templates and production dependencies only: no compiler, test runner or linter', () => {
    expect(readdirSync(release).sort()).toEqual(RELEASE_ENTRIES);
    // `npm start` is scripts/start.js; nothing else of scripts/ is needed at run time.
    expect(readdirSync(join(release, 'scripts'))).toEqual(['start.js']);
    const installed = (name: string): boolean => existsSync(join(release, 'node_modules', name, 'package.json'));
    for (const name of Object.keys(manifest.dependencies)) expect([name, installed(name)]).toEqual([name, true]);
    for (const name of Object.keys(manifest.devDependencies)) expect([name, installed(name)]).toEqual([name, false]);
    expect(installed('typescript') || installed('jest') || installed('ts-jest')).toBe(false);
  });

  it('started with the Dockerfile CMD and nothing but DATA_DIR writable, is ready, renders the admin pages, takes a signed summary and delivers it to Lime, stops on SIGTERM, and its CLI lists the delivery', async () => {
    const lime: LimeEmulator = await startLime();
    lime.insert('coworker', { firstname: 'Sara', lastname: 'Säljare', email: 'sara@seller.se' });
    const companyId = lime.insert('company', { name: 'Acme AB' });
    const personId = lime.insert('person', {
      firstname: 'Anna',
      lastname: 'Andersson',
      email: 'anna@acme.se',
      company: companyId,
    });

    const dataDir = join(workDir, 'data');
    mkdirSync(dataDir);
    const port = await freePort();
    const adminPort = await freePort();
    const before = snapshot(release);
    const [command, ...args] = lastInstruction(runtimeStage, 'CMD').exec!;
    expect(command).toBe('node');
    // The image's environment (ENV): the webhooks on PORT, the admin pages, /metrics and /readyz on ADMIN_PORT; with
    // the ports, host and folder of this test.
    const imageEnv = envOf(runtimeStage);
    expect(imageEnv).toEqual(expect.objectContaining({ ADMIN_PORT: expect.any(String), ADMIN_HOST: '0.0.0.0' }));
    const receiver = run(process.execPath, args, {
      cwd: release,
      env: cleanEnv({
        ...imageEnv,
        HOST: '127.0.0.1',
        PORT: String(port),
        ADMIN_HOST: '127.0.0.1',
        ADMIN_PORT: String(adminPort),
        DATA_DIR: dataDir,
        DCI_WEBHOOK_SECRETS: SECRET,
        LIME_URL: lime.baseUrl,
        LIME_API_KEY: TEST_API_KEY,
        INTERNAL_EMAIL_DOMAINS: 'seller.se',
        LOG_LEVEL: 'info',
        ADMIN_PASSWORD: 'release-folder-admin-password',
      }),
    });
    const url = `http://127.0.0.1:${port}`;
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    await waitUntilAnswering(receiver, `${adminUrl}/healthz`);

    const ready = await fetch(`${adminUrl}/readyz`);
    expect([ready.status, ((await ready.json()) as { status: string }).status]).toEqual([200, 'ready']);
    // The admin pages render from the folder's views/ with its ejs.
    const signIn = await fetch(`${adminUrl}/admin/sign-in`);
    expect([signIn.status, signIn.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(await signIn.text()).toMatch(/<form[^>]*method="post"/iu);
    // The public listener keeps the admin pages and /readyz to itself: 404 there.
    expect((await fetch(`${url}/readyz`)).status).toBe(404);
    // The image's HEALTHCHECK command, as Docker runs it inside the container (it asks ADMIN_PORT).
    const healthcheck = lastInstruction(runtimeStage, 'HEALTHCHECK').exec!;
    const healthy = await run(process.execPath, healthcheck.slice(1), {
      cwd: release,
      env: cleanEnv({ PORT: String(port), ADMIN_PORT: String(adminPort) }),
    }).finished;
    expect(healthy.code).toBe(0);

    const body = JSON.stringify(buildPayload({ participants: [buildParticipant()] }));
    const accepted = await fetch(`${url}/api/v1/dci/webhook`, { method: 'POST', headers: signDci(body, SECRET), body });
    expect(accepted.status).toBe(202);
    await waitFor(() => notesOf(lime, personId).length === 1, 60_000, 'the note in Lime', 100);

    process.kill(receiver.child.pid!, 'SIGTERM');
    const stopped = await receiver.finished;
    expect([stopped.code, stopped.signal]).toEqual([0, null]);
    expect(stopped.output).toContain('"msg":"receiver stopped"');
    // Nothing written in the release folder (a read-only root file system would not have let it); the database is
    // in DATA_DIR.
    expect(snapshot(release)).toEqual(before);
    expect(readdirSync(dataDir)).toContain('receiver.sqlite');
    // The operator CLI runs from the folder too (bin/ → dist/), on the same DATA_DIR.
    const cli = await run(process.execPath, ['bin/dci-companion.js', 'deliveries'], {
      cwd: release,
      env: cleanEnv({ DATA_DIR: dataDir }),
    }).finished;
    expect([cli.code, cli.output]).toEqual([0, expect.stringMatching(/\bdelivered\b/u)]);
    // And the HEALTHCHECK fails once nothing answers.
    const unhealthy = await run(process.execPath, healthcheck.slice(1), {
      cwd: release,
      env: cleanEnv({ PORT: String(port), ADMIN_PORT: String(adminPort) }),
    }).finished;
    expect(unhealthy.code).toBe(1);
  });

  it('npm start there runs the built receiver with no build step', async () => {
    const dataDir = join(workDir, 'data-npm-start');
    mkdirSync(dataDir);
    const port = await freePort();
    const started = run('npm', ['start'], {
      cwd: release,
      env: cleanEnv({ HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, DCI_WEBHOOK_SECRETS: SECRET }),
    });
    await waitUntilAnswering(started, `http://127.0.0.1:${port}/readyz`);
    // scripts/start.js (plain Node, so cmd.exe runs it too) starts the receiver as `<node> <flags> dist/receiver/main.js`.
    const command = [...receiverNodeFlags(), 'dist/receiver/main.js'].join(' ').replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
    const receiverCommand = new RegExp(`^(?:\\S*/)?node ${command}$`, 'u');
    expect(commandsInGroup(started.child.pid!)).toContainEqual(expect.stringMatching(receiverCommand));
    // npm, its shell, scripts/start.js and the receiver are one process group: SIGTERM reaches the receiver (directly,
    // and passed on by start.js: it shuts down once), which stops cleanly. (npm itself ends by the group's signal.)
    process.kill(-started.child.pid!, 'SIGTERM');
    const stopped = await started.finished;
    expect(stopped.output).not.toMatch(/\btsc\b/u);
    expect(stopped.output).toContain('"msg":"receiver stopped"');
  });

  it('npm start where nothing is built says to run npm run build first, and fails', async () => {
    const unbuilt = join(workDir, 'unbuilt');
    mkdirSync(unbuilt);
    copyFileSync(join(release, 'package.json'), join(unbuilt, 'package.json'));
    mkdirSync(join(unbuilt, 'scripts'));
    copyFileSync(join(release, 'scripts', 'start.js'), join(unbuilt, 'scripts', 'start.js'));
    // --silent: npm does not echo the script, so the message seen is the one printed.
    const result = await run('npm', ['start', '--silent'], { cwd: unbuilt, env: cleanEnv({}) }).finished;
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('The receiver is not built: run npm run build first.');
  });
});
