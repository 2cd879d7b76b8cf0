import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIME_WEBHOOK_PATH } from '../../src/receiver/contactIndex/limeWebhookRoute';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { INGEST_PATH } from '../../src/receiver/ingest/webhookRoute';
import { addCrmAvailabilityGauges, createMetrics } from '../../src/receiver/observability/metrics';
import { envOf, instructionsOf, lastInstruction, readDockerfile, REPOSITORY_ROOT } from '../support/dockerfile';
import { receiverNodeFlags } from '../support/receiverProcess';
import { SYSTEMD_ANALYZE, systemdAnalyzeAvailable } from '../support/systemd';

// The deployment artefacts in deploy/ and the Dockerfile, checked as far as this machine can: no docker daemon runs
// here, so the Dockerfile and compose file are read and their properties asserted (releaseFolder.test.ts runs the
// Dockerfile's staging script, CMD and HEALTHCHECK); the systemd unit goes through `systemd-analyze verify`.

// js-yaml is in node_modules through Jest's coverage (istanbul); it has no types of its own.
const { load: loadYaml } = require('js-yaml') as { load(text: string): unknown };

const DEPLOY = join(REPOSITORY_ROOT, 'deploy');
const UNIT_FILE = join(DEPLOY, 'systemd', 'dci-companion.service');
/** MAX_BODY_BYTES when it is not set. */
const DEFAULT_MAX_BODY_BYTES = loadConfig({ DCI_WEBHOOK_SECRETS: 'unused' }).maxBodyBytes;
/** The receiver gives deliveries in flight 10 s on SIGTERM (DeliveryWorker's grace), then closes the database. */
const RECEIVER_SHUTDOWN_SECONDS = 10;

describe('the Dockerfile', () => {
  const stages = readDockerfile();
  const build = stages[0]!;
  const runtime = stages.at(-1)!;
  const env = envOf(runtime);

  it('builds in one stage with every dependency and runs in another, slim, on the same Debian release', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build.name).toBeDefined();
    expect(runtime.from).toMatch(/^node:20-bookworm-slim(@sha256:[0-9a-f]{64})?$/u);
    // better-sqlite3's native binding is compiled in the build stage: its glibc must be the runtime's.
    expect(build.from).toMatch(/^node:20-bookworm(@sha256:[0-9a-f]{64})?$/u);
  });

  it('makes the release with the tested staging script after npm ci and npm run build, and copies only that', () => {
    const runs = instructionsOf(build, 'RUN').map((run) => run.args);
    const all = runs.join(' && ');
    expect(all).toMatch(/\bnpm ci\b/u);
    expect(all).toMatch(/\bnpm run build\b/u);
    const staging = /\bnode scripts\/stageRelease\.js (\S+)/u.exec(all);
    expect(staging).not.toBeNull();
    expect(all.indexOf('npm run build')).toBeLessThan(all.indexOf('scripts/stageRelease.js'));
    const copies = instructionsOf(runtime, 'COPY');
    expect(copies.map((copy) => copy.args)).toEqual([
      expect.stringMatching(new RegExp(`--from=${build.name}\\b`, 'u')),
    ]);
    expect(copies[0]!.args).toContain(`${staging![1]}`);
    // Nothing is installed in the runtime stage: what runs is what the staging script made and the test started.
    expect(instructionsOf(runtime, 'RUN').map((run) => run.args)).not.toContainEqual(expect.stringMatching(/npm/u));
  });

  it('runs as an unprivileged user', () => {
    const user = lastInstruction(runtime, 'USER').args.trim();
    expect(user).not.toMatch(/^(root|0)(:|$)/u);
    // USER comes after every RUN, so nothing after it runs as root.
    const keywords = runtime.instructions.map((instruction) => instruction.keyword);
    expect(keywords.lastIndexOf('RUN')).toBeLessThan(keywords.lastIndexOf('USER'));
  });

  it('keeps DATA_DIR in a volume and writes nowhere else (the root file system can be read-only)', () => {
    expect(env['DATA_DIR']).toBe('/data');
    const volumes = instructionsOf(runtime, 'VOLUME').flatMap((volume) => volume.exec ?? volume.args.split(/\s+/u));
    expect(volumes).toEqual([env['DATA_DIR']]);
  });

  it('listens publicly on PORT and for the admin pages on ADMIN_PORT, both exposed', () => {
    expect(env['PORT']).toBe('8080');
    expect(env['ADMIN_PORT']).toBe('8081');
    // Inside the container the admin listener must be reachable from the published port; compose publishes it on
    // 127.0.0.1 only (below).
    expect(env['ADMIN_HOST']).toBe('0.0.0.0');
    const exposed = instructionsOf(runtime, 'EXPOSE').flatMap((expose) => expose.args.split(/\s+/u));
    expect(exposed.sort()).toEqual([env['PORT'], env['ADMIN_PORT']].sort());
  });

  it('checks its health on /readyz with Node (the slim image has no curl), on ADMIN_PORT else PORT', () => {
    const healthcheck = lastInstruction(runtime, 'HEALTHCHECK');
    expect(healthcheck.args).toMatch(/\bCMD\b/u);
    expect(healthcheck.exec?.[0]).toBe('node');
    const script = healthcheck.exec!.join(' ');
    expect(script).toContain('/readyz');
    expect(script).toMatch(/process\.env\.ADMIN_PORT \|\| process\.env\.PORT/u);
    expect(script).not.toMatch(/curl|wget/u);
  });

  it('stops on SIGTERM and starts Node directly (PID 1, no npm or shell to swallow the signal), as npm start does', () => {
    expect(lastInstruction(runtime, 'STOPSIGNAL').args.trim()).toBe('SIGTERM');
    const cmd = lastInstruction(runtime, 'CMD').exec;
    expect(cmd).toEqual(['node', ...receiverNodeFlags(), 'dist/receiver/main.js']);
    expect(instructionsOf(runtime, 'ENTRYPOINT')).toEqual([]);
  });

  it('is built from a context without node_modules, builds, local data or secrets', () => {
    const ignored = readFileSync(join(REPOSITORY_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'data', '.git', '*.env', '.env*']));
  });
});

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  env_file?: string | string[];
  environment?: Record<string, string>;
  ports?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  healthcheck?: unknown;
}

describe('the compose example (deploy/compose.yaml)', () => {
  const compose = loadYaml(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8')) as {
    services: Record<string, ComposeService>;
    volumes: Record<string, unknown>;
  };
  const receiver = compose.services['receiver']!;
  const postgres = compose.services['postgres']!;
  const runtime = readDockerfile().at(-1)!;
  const env = { ...envOf(runtime), ...receiver.environment };

  it('builds the Dockerfile at the repository root', () => {
    expect(receiver.build).toEqual({ context: '..', dockerfile: 'Dockerfile' });
    expect(existsSync(join(DEPLOY, receiver.build!.context, receiver.build!.dockerfile))).toBe(true);
  });

  it('runs the receiver read-only with a tmpfs /tmp and a named volume on DATA_DIR', () => {
    expect(receiver.read_only).toBe(true);
    expect(receiver.tmpfs).toEqual(['/tmp']);
    expect(receiver.volumes).toEqual([`receiver-data:${env['DATA_DIR']}`]);
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['receiver-data', 'postgres-data']));
  });

  it('publishes the webhook port, and the admin port on 127.0.0.1 only', () => {
    expect(env['ADMIN_PORT']).toBe('8081');
    const admin = receiver.ports!.filter((port) => port.endsWith(`:${env['ADMIN_PORT']}`));
    expect(admin).toEqual([`127.0.0.1:${env['ADMIN_PORT']}:${env['ADMIN_PORT']}`]);
    expect(receiver.ports).toContain(`${env['PORT']}:${env['PORT']}`);
    expect(postgres.ports).toBeUndefined();
  });

  it('reads secrets from env files whose examples point DATABASE_URL at the PostgreSQL 16 service', () => {
    expect(postgres.image).toMatch(/^postgres:16\b/u);
    expect(receiver.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(postgres.healthcheck).toBeDefined();
    expect(receiver.env_file).toBe('receiver.env');
    expect(postgres.env_file).toBe('postgres.env');
    const receiverEnv = readEnvFile(join(DEPLOY, 'receiver.env.example'));
    const postgresEnv = readEnvFile(join(DEPLOY, 'postgres.env.example'));
    const url = new URL(receiverEnv['DATABASE_URL']!);
    expect(url.hostname).toBe('postgres');
    expect(decodeURIComponent(url.username)).toBe(postgresEnv['POSTGRES_USER']);
    expect(decodeURIComponent(url.password)).toBe(postgresEnv['POSTGRES_PASSWORD']);
    expect(url.pathname).toBe(`/${postgresEnv['POSTGRES_DB']}`);
    // The real env files hold secrets: git never takes them.
    const gitignore = readFileSync(join(REPOSITORY_ROOT, '.gitignore'), 'utf8').split('\n');
    expect(gitignore).toEqual(expect.arrayContaining(['deploy/*.env']));
  });

  it('gives the receiver time to shut down gracefully', () => {
    expect(seconds(receiver.stop_grace_period!)).toBeGreaterThanOrEqual(RECEIVER_SHUTDOWN_SECONDS * 2);
  });
});

/** `KEY=value` lines of an env file. */
function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/u.exec(line.trim());
    if (match !== null) env[match[1]!] = match[2]!;
  }
  return env;
}

/** `30s`, `1m30s`, `30` (systemd and compose durations, the forms used here) in seconds. */
function seconds(duration: string): number {
  const match = /^(?:(\d+)min?)?(?:(\d+)s?)?$/u.exec(duration.trim());
  if (match === null || duration.trim() === '') throw new Error(`not a duration: ${duration}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

/** The unit file's `[Service]` (and other sections') directives: key → every value given, in order. */
function readUnit(text: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/u.exec(line.trim());
    if (match === null) continue;
    directives.set(match[1]!, [...(directives.get(match[1]!) ?? []), match[2]!]);
  }
  return directives;
}

// Skipped (with the reason printed) only where systemd-analyze is missing and REQUIRE_SYSTEMD is not 1; CI sets it.
const analyzeAvailable = systemdAnalyzeAvailable();

/**
 * `systemd-analyze verify` on a copy of the unit whose ExecStart names this machine's Node (verify checks that the
 * binary exists); every message it prints about the unit counts as a failure, as does a non-zero exit. An unknown
 * or misspelt directive is only a warning to systemd, so the messages matter.
 */
function verifyUnit(unitText: string): { status: number | null; messages: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dci-systemd-'));
  try {
    const copy = join(dir, 'dci-companion.service');
    writeFileSync(copy, unitText.replace(/^ExecStart=\/usr\/bin\/node /mu, `ExecStart=${process.execPath} `));
    const result = spawnSync(SYSTEMD_ANALYZE, ['verify', '--man=no', copy], { encoding: 'utf8' });
    const messages = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter((line) => line.includes('dci-companion.service'))
      .join('\n');
    return { status: result.status, messages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Directives the unit must set, with their values. */
const HARDENING: Record<string, string> = {
  ProtectSystem: 'strict',
  ProtectHome: 'yes',
  PrivateTmp: 'yes',
  PrivateDevices: 'yes',
  NoNewPrivileges: 'yes',
  ProtectKernelTunables: 'yes',
  ProtectKernelModules: 'yes',
  ProtectKernelLogs: 'yes',
  ProtectControlGroups: 'yes',
  RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
  CapabilityBoundingSet: '',
};

describe('CI verifies the systemd unit rather than skipping it', () => {
  const ciRun = readFileSync(join(REPOSITORY_ROOT, '.ci', 'run'), 'utf8');

  it('.ci/run installs systemd where systemd-analyze is missing, and requires it with REQUIRE_SYSTEMD=1', () => {
    expect(ciRun).toMatch(
      /if ! command -v systemd-analyze [^\n]*\n(?:[^\n]*\n)*?\s*apt-get install [^\n]*\bsystemd\b[^\n]*\nfi\n/u,
    );
    const required = ciRun.indexOf('export REQUIRE_SYSTEMD=1');
    expect(required).toBeGreaterThan(-1);
    expect(required).toBeLessThan(ciRun.indexOf('npm test'));
  });

  it('with REQUIRE_SYSTEMD=1 a missing systemd-analyze fails the file with the reason; without it, a printed skip', () => {
    const missing = join(tmpdir(), 'no-such-dir', 'systemd-analyze');
    expect(() => systemdAnalyzeAvailable(missing, { REQUIRE_SYSTEMD: '1' })).toThrow(
      `${missing} is not installed (apt-get install -y --no-install-recommends systemd), and REQUIRE_SYSTEMD=1 requires it`,
    );
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(systemdAnalyzeAvailable(missing, {})).toBe(false);
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(/^Skipping the systemd unit verification: .*REQUIRE_SYSTEMD=1/u),
      );
    } finally {
      warn.mockRestore();
    }
    expect(systemdAnalyzeAvailable(process.execPath, { REQUIRE_SYSTEMD: '1' })).toBe(true);
  });
});

describe('the systemd unit (deploy/systemd/dci-companion.service)', () => {
  const text = readFileSync(UNIT_FILE, 'utf8');
  const unit = readUnit(text);
  const one = (key: string): string | undefined => unit.get(key)?.at(-1);

  (analyzeAvailable ? it : it.skip)('passes systemd-analyze verify without a single message', () => {
    expect(verifyUnit(text)).toEqual({ status: 0, messages: '' });
  });

  (analyzeAvailable ? it : it.skip)('would fail the check with a misspelt directive or a value systemd rejects', () => {
    expect(verifyUnit(text.replace('ProtectHome=yes', 'ProtectHome=yes\nProtectHomes=yes')).messages).toMatch(
      /Unknown key 'ProtectHomes'/u,
    );
    expect(verifyUnit(text.replace('ProtectSystem=strict', 'ProtectSystem=strictest')).messages).not.toBe('');
  });

  it('runs the built receiver from /opt/dci-companion with the flags npm start uses', () => {
    expect(one('WorkingDirectory')).toBe('/opt/dci-companion');
    expect(one('ExecStart')!.split(' ')).toEqual([
      '/usr/bin/node',
      ...receiverNodeFlags(),
      '/opt/dci-companion/dist/receiver/main.js',
    ]);
  });

  it('runs as a user of its own, keeps its data in its state directory and reads its secrets from /etc', () => {
    expect(one('DynamicUser') === 'yes' || one('User') === 'dci-companion').toBe(true);
    expect(one('StateDirectory')).toBe('dci-companion');
    expect(unit.get('Environment')).toContain('DATA_DIR=%S/dci-companion');
    expect(one('EnvironmentFile')).toBe('/etc/dci-companion/env');
  });

  it('is hardened, but lets V8 compile code (no MemoryDenyWriteExecute)', () => {
    expect(
      Object.fromEntries([...unit].filter(([key]) => HARDENING[key] !== undefined).map(([k, v]) => [k, v.at(-1)])),
    ).toEqual(HARDENING);
    expect(unit.get('SystemCallFilter')![0]).toBe('@system-service');
    expect(unit.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('restarts after a failure and waits for a graceful stop', () => {
    expect(one('Restart')).toBe('on-failure');
    expect(one('KillSignal') ?? 'SIGTERM').toBe('SIGTERM');
    expect(seconds(one('TimeoutStopSec')!)).toBeGreaterThanOrEqual(RECEIVER_SHUTDOWN_SECONDS * 2);
  });
});

describe('the deployment docs (docs/deploy.md, docs/operate.md) match the code', () => {
  const deployDoc = readFileSync(join(REPOSITORY_ROOT, 'docs', 'deploy.md'), 'utf8');
  const operateDoc = readFileSync(join(REPOSITORY_ROOT, 'docs', 'operate.md'), 'utf8');
  const codeBlock = (language: string): string => {
    const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'u').exec(deployDoc);
    if (match === null) throw new Error(`docs/deploy.md has no ${language} example`);
    return match[1]!;
  };
  const publicPaths = [INGEST_PATH, LIME_WEBHOOK_PATH].sort();

  it('the nginx example forwards exactly the two webhook routes, with a body limit of at least MAX_BODY_BYTES', () => {
    const nginx = codeBlock('nginx');
    const exact = [...nginx.matchAll(/location = (\S+) \{/gu)].map((match) => match[1]).sort();
    expect(exact).toEqual(publicPaths);
    expect(nginx).toMatch(/location \/ \{\s*return 404;/u);
    const limit = /client_max_body_size (\d+)m;/u.exec(nginx);
    expect(Number(limit![1]) * 1024 * 1024).toBeGreaterThanOrEqual(DEFAULT_MAX_BODY_BYTES);
  });

  it('the Caddy example forwards exactly the two webhook routes, with a body limit of at least MAX_BODY_BYTES', () => {
    const caddy = codeBlock('caddy');
    expect(/^\s*path (.+)$/mu.exec(caddy)![1]!.trim().split(/\s+/u).sort()).toEqual(publicPaths);
    expect(caddy).toMatch(/method POST/u);
    expect(Number(/max_size (\d+)MB/u.exec(caddy)![1]) * 1000 * 1000).toBeGreaterThanOrEqual(DEFAULT_MAX_BODY_BYTES);
  });

  it('every metric Operate names is one the receiver serves', () => {
    const named = new Set([...operateDoc.matchAll(/`(dci_[a-z_]+)/gu)].map((match) => match[1]!));
    expect(named.size).toBeGreaterThanOrEqual(10);
    const metrics = createMetrics(
      {
        counts: () => Promise.reject(new Error('not read: the registry is only looked up')),
      },
      () => new Date(),
      () => Promise.resolve(undefined),
    );
    addCrmAvailabilityGauges(metrics, () => {
      throw new Error('not read: the registry is only looked up');
    });
    const missing = [...named].filter((name) => metrics.registry.getSingleMetric(name) === undefined);
    expect(missing).toEqual([]);
  });
});
