export const SANDBOX_USAGE = [
  'Usage: npm run sandbox -- lime [--port N] [--api-key KEY] [--app NAME]',
  '',
  '  lime            start the Lime CRM REST API emulator with demo data on 127.0.0.1',
  '  --port N        port to listen on (default 0: any free port)',
  '  --api-key KEY   the API key clients must send in x-api-key (default demo-api-key)',
  '  --app NAME      the application segment of the base URL, may contain spaces (default lime)',
].join('\n');

export interface LimeSandboxSettings {
  port: number;
  apiKey: string;
  app: string;
}

export type SandboxCommand =
  { kind: 'lime'; settings: LimeSandboxSettings } | { kind: 'help' } | { kind: 'usage_error'; message: string };

const VALUE_FLAGS = ['--port', '--api-key', '--app'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

function isValueFlag(flag: string): flag is ValueFlag {
  return (VALUE_FLAGS as readonly string[]).includes(flag);
}

/** `lime [--port N] [--api-key K] [--app NAME]` (also `--flag=value`) → what to run, or why the arguments are wrong. */
export function parseSandboxArgs(argv: readonly string[]): SandboxCommand {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  const [command, ...rest] = argv;
  if (command !== 'lime') {
    return {
      kind: 'usage_error',
      message: command === undefined ? 'Name a sandbox: lime.' : `Unknown sandbox "${command}".`,
    };
  }
  const settings: LimeSandboxSettings = { port: 0, apiKey: 'demo-api-key', app: 'lime' };
  for (let index = 0; index < rest.length; index += 1) {
    const argument = rest[index] ?? '';
    const equals = argument.indexOf('=');
    const flag = equals < 0 ? argument : argument.slice(0, equals);
    if (!isValueFlag(flag)) return { kind: 'usage_error', message: `Unknown argument "${argument}".` };
    let value: string | undefined;
    if (equals >= 0) value = argument.slice(equals + 1);
    else {
      index += 1;
      value = rest[index];
    }
    if (value === undefined || value === '') return { kind: 'usage_error', message: `${flag} needs a value.` };
    switch (flag) {
      case '--port': {
        const port = /^\d{1,5}$/u.test(value) ? Number(value) : NaN;
        if (!(port >= 0 && port <= 65535)) return { kind: 'usage_error', message: `Invalid port "${value}".` };
        settings.port = port;
        break;
      }
      case '--api-key':
        settings.apiKey = value;
        break;
      case '--app':
        settings.app = value;
        break;
    }
  }
  return { kind: 'lime', settings };
}
