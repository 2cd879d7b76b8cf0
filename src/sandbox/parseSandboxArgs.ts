import { DEFAULT_DCI_TOKEN } from './dci/tokenAccess';

export const SANDBOX_USAGE = [
  'Usage: npm run sandbox -- lime [--port N] [--api-key KEY] [--app NAME]',
  '       npm run sandbox -- dci [--port N] [--token T]',
  '       npm run sandbox -- superoffice [--port N] [--auth none|ticket|basic|system_user]',
  '',
  '  lime            start the Lime CRM REST API emulator with demo data on 127.0.0.1',
  '  dci             start the DCI 2.0 partner REST API emulator with demo data on 127.0.0.1',
  '  --port N        port to listen on (default 0: any free port)',
  '  --api-key KEY   lime: the API key clients must send in x-api-key (default demo-api-key)',
  '  --app NAME      lime: the application segment of the base URL, may contain spaces (default lime)',
  `  --token T       dci: the bearer token clients must send, holding every scope (default ${DEFAULT_DCI_TOKEN})`,
  '  superoffice     start the SuperOffice WebAPI emulator with demo data on 127.0.0.1, and print the',
  "                  receiver's environment for it",
  '  --auth MODE     superoffice: how the tenant signs in (default system_user): system_user = Online',
  '                  server-to-server (a key pair is generated, its private key written to a temp file);',
  '                  ticket / basic = Onsite with an SOTicket / a user name and password; none = a fixed token',
].join('\n');

export interface LimeSandboxSettings {
  port: number;
  apiKey: string;
  app: string;
}

export interface DciSandboxSettings {
  port: number;
  token: string;
}

export const SUPEROFFICE_SANDBOX_AUTH = ['none', 'ticket', 'basic', 'system_user'] as const;
export type SuperOfficeSandboxAuth = (typeof SUPEROFFICE_SANDBOX_AUTH)[number];

export interface SuperOfficeSandboxSettings {
  port: number;
  auth: SuperOfficeSandboxAuth;
}

export type SandboxCommand =
  | { kind: 'lime'; settings: LimeSandboxSettings }
  | { kind: 'dci'; settings: DciSandboxSettings }
  | { kind: 'superoffice'; settings: SuperOfficeSandboxSettings }
  | { kind: 'help' }
  | { kind: 'usage_error'; message: string };

/** The flags each sandbox takes (all with a value). */
const FLAGS = {
  lime: ['--port', '--api-key', '--app'],
  dci: ['--port', '--token'],
  superoffice: ['--port', '--auth'],
} as const;

type Sandbox = keyof typeof FLAGS;

function isSandbox(command: string | undefined): command is Sandbox {
  return command === 'lime' || command === 'dci' || command === 'superoffice';
}

/**
 * `lime [--port N] [--api-key K] [--app NAME]`, `dci [--port N] [--token T]` or `superoffice [--port N] [--auth M]`
 * (also `--flag=value`) → what to run,
 * or why the arguments are wrong.
 */
export function parseSandboxArgs(argv: readonly string[]): SandboxCommand {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  const [command, ...rest] = argv;
  if (!isSandbox(command)) {
    return {
      kind: 'usage_error',
      message: command === undefined ? 'Name a sandbox: lime, dci or superoffice.' : `Unknown sandbox "${command}".`,
    };
  }
  const values = new Map<string, string>();
  for (let index = 0; index < rest.length; index += 1) {
    const argument = rest[index] ?? '';
    const equals = argument.indexOf('=');
    const flag = equals < 0 ? argument : argument.slice(0, equals);
    if (!(FLAGS[command] as readonly string[]).includes(flag)) {
      return { kind: 'usage_error', message: `Unknown argument "${argument}".` };
    }
    let value: string | undefined;
    if (equals >= 0) value = argument.slice(equals + 1);
    else {
      index += 1;
      value = rest[index];
    }
    if (value === undefined || value === '') return { kind: 'usage_error', message: `${flag} needs a value.` };
    values.set(flag, value);
  }
  const rawPort = values.get('--port') ?? '0';
  const port = /^\d{1,5}$/u.test(rawPort) ? Number(rawPort) : NaN;
  if (!(port >= 0 && port <= 65535)) return { kind: 'usage_error', message: `Invalid port "${rawPort}".` };
  if (command === 'superoffice') {
    const auth = values.get('--auth') ?? 'system_user';
    if (!(SUPEROFFICE_SANDBOX_AUTH as readonly string[]).includes(auth)) {
      return { kind: 'usage_error', message: `--auth must be one of ${SUPEROFFICE_SANDBOX_AUTH.join(', ')}.` };
    }
    return { kind: 'superoffice', settings: { port, auth: auth as SuperOfficeSandboxAuth } };
  }
  if (command === 'dci') {
    return { kind: 'dci', settings: { port, token: values.get('--token') ?? DEFAULT_DCI_TOKEN } };
  }
  return {
    kind: 'lime',
    settings: { port, apiKey: values.get('--api-key') ?? 'demo-api-key', app: values.get('--app') ?? 'lime' },
  };
}
