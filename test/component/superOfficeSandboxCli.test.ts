// `npm run sandbox -- superoffice`: the printed environment is enough for a client to sign in, per auth mode.
import { readFileSync, statSync } from 'node:fs';
import { AppointmentAgent } from '@superoffice/webapi';
import { runSandboxCli } from '../../src/sandbox/runSandboxCli';
import type { SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { superOfficeAuthorizer } from '../../src/superoffice-addon/superOfficeAuth';
import type { SuperOfficeCredentials } from '../../src/superoffice-addon/superOfficeOptions';

/** Runs the sandbox until `use` is done with the printed environment, then stops it; the exit code and output. */
async function withSandbox(
  argv: string[],
  use: (environment: Record<string, string>, emulator: SuperOfficeEmulator) => Promise<void>,
): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  let announce: (emulator: SuperOfficeEmulator) => void = () => undefined;
  const started = new Promise<SuperOfficeEmulator>((resolve) => {
    announce = resolve;
  });
  const exited = runSandboxCli(argv, {
    out: (line) => lines.push(line),
    err: (line) => lines.push(line),
    stopped,
    onSuperOfficeStarted: (emulator) => announce(emulator),
  });
  const emulator = await started;
  const environment: Record<string, string> = {};
  for (const line of lines) {
    const match = /^\s+([A-Z_]+)=(.*)$/u.exec(line);
    // A value with spaces is printed in single quotes, for the shell.
    if (match?.[1] !== undefined) environment[match[1]] = (match[2] ?? '').replace(/^'(.*)'$/u, '$1');
  }
  try {
    await use(environment, emulator);
  } finally {
    stop();
  }
  return { code: await exited, lines };
}

/** The credentials the receiver would build from these variables. */
function credentialsFrom(env: Record<string, string>): SuperOfficeCredentials {
  const value = (name: string) => env[name] ?? '';
  switch (value('SUPEROFFICE_AUTH')) {
    case 'basic':
      return { kind: 'basic', username: value('SUPEROFFICE_USERNAME'), password: value('SUPEROFFICE_PASSWORD') };
    case 'ticket':
      return { kind: 'ticket', ticket: value('SUPEROFFICE_TICKET') };
    case 'system_user':
      return {
        kind: 'system_user',
        clientId: value('SUPEROFFICE_CLIENT_ID'),
        clientSecret: value('SUPEROFFICE_CLIENT_SECRET'),
        privateKeyPem: readFileSync(value('SUPEROFFICE_PRIVATE_KEY_FILE'), 'utf8'),
        systemUserToken: value('SUPEROFFICE_SYSTEM_USER_TOKEN'),
        loginUrl: value('SUPEROFFICE_LOGIN_URL'),
      };
    default:
      throw new Error(`unexpected SUPEROFFICE_AUTH ${value('SUPEROFFICE_AUTH')}`);
  }
}

describe('npm run sandbox -- superoffice', () => {
  it.each(['system_user', 'basic', 'ticket', 'none'])(
    '--auth %s prints an environment a client signs in with, and sees the demo data',
    async (auth) => {
      const { code, lines } = await withSandbox(['superoffice', '--auth', auth], async (env, emulator) => {
        expect(env.CRM).toBe('superoffice');
        expect(env.SUPEROFFICE_URL).toBe(emulator.baseUrl);
        const authorizer = superOfficeAuthorizer(credentialsFrom(env), { baseUrl: env.SUPEROFFICE_URL ?? '' });
        const tasks = await new AppointmentAgent({
          baseUrl: env.SUPEROFFICE_URL ?? '',
          axiosConfig: { headers: await authorizer.headers() },
        }).getTaskListItemsAsync(false);
        expect(tasks.map((task) => task.value)).toContain('Meeting');
        if (auth === 'system_user') {
          expect(emulator.exchangeCount).toBe(1);
          // The private key file is the owner's alone.
          expect(statSync(env.SUPEROFFICE_PRIVATE_KEY_FILE ?? '').mode & 0o077).toBe(0);
        }
      });
      expect(code).toBe(0);
      expect(lines.join('\n')).toContain('SuperOffice emulator stopped.');
    },
  );
});
