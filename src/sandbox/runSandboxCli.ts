import { allAccess } from './dci/tokenAccess';
import { seedDciDemoData, startDciEmulator, type DciEmulator } from './dci';
import { seedDemoData, startLimeEmulator, type LimeEmulator } from './lime';
import { parseSandboxArgs, SANDBOX_USAGE } from './parseSandboxArgs';
import { startSuperOfficeSandbox } from './superoffice/startSuperOfficeSandbox';
import type { SuperOfficeEmulator } from './superoffice';

export interface SandboxIo {
  out(line: string): void;
  err(line: string): void;
  /** Settles when the sandbox should stop (SIGINT/SIGTERM in the CLI). */
  stopped: Promise<unknown>;
  /** Called once the emulator listens and holds the demo data. */
  onStarted?(emulator: LimeEmulator): void;
  /** Called once the DCI emulator listens and holds the demo data. */
  onDciStarted?(emulator: DciEmulator): void;
  /** Called once the SuperOffice emulator listens and holds the demo data. */
  onSuperOfficeStarted?(emulator: SuperOfficeEmulator): void;
}

/** The `sandbox` command: runs until `io.stopped` settles, then closes; the result is the exit code. */
export async function runSandboxCli(argv: readonly string[], io: SandboxIo): Promise<number> {
  const command = parseSandboxArgs(argv);
  switch (command.kind) {
    case 'help':
      io.out(SANDBOX_USAGE);
      return 0;
    case 'usage_error':
      io.err(`${command.message}\n\n${SANDBOX_USAGE}`);
      return 2;
    case 'lime': {
      const { settings } = command;
      const emulator = await startLimeEmulator({
        port: settings.port,
        app: settings.app,
        apiKeys: { [settings.apiKey]: 'all' },
      });
      seedDemoData(emulator);
      io.out('Lime CRM emulator with demo data is running.');
      io.out(`  Lime CRM API URL: ${emulator.baseUrl}`);
      io.out(`  API key:          ${settings.apiKey}`);
      io.out(
        `  Try:              curl -H 'x-api-key: ${settings.apiKey}' ${emulator.baseUrl}/api/v1/limeobject/person/`,
      );
      return serveUntilStopped(io, emulator, 'Lime CRM emulator', () => io.onStarted?.(emulator));
    }
    case 'dci': {
      const { settings } = command;
      const emulator = await startDciEmulator({ port: settings.port, tokens: { [settings.token]: allAccess() } });
      seedDciDemoData(emulator);
      io.out('DCI 2.0 REST API emulator with demo data is running.');
      io.out(`  REST API base URL: ${emulator.baseUrl}`);
      io.out(`  API token:         ${settings.token}`);
      io.out(
        `  Try:               curl -H 'Authorization: Bearer ${settings.token}' '${emulator.baseUrl}/conversations?limit=25'`,
      );
      return serveUntilStopped(io, emulator, 'DCI emulator', () => io.onDciStarted?.(emulator));
    }
    case 'superoffice': {
      const { emulator, environment } = await startSuperOfficeSandbox(command.settings);
      io.out(`SuperOffice WebAPI emulator with demo data is running (auth: ${command.settings.auth}).`);
      io.out(`  WebAPI base URL: ${emulator.baseUrl}`);
      if (emulator.unnumberedBaseUrl !== undefined) {
        io.out(`  The unnumbered host (answers 421 for the tenant): ${emulator.unnumberedBaseUrl}`);
      }
      io.out("  The receiver's environment (the demo task type is Meeting):");
      for (const line of environment) io.out(`    ${shellQuoted(line)}`);
      return serveUntilStopped(io, emulator, 'SuperOffice emulator', () => io.onSuperOfficeStarted?.(emulator));
    }
  }
}

/** Calls `started`, serves until `io.stopped` settles, then closes the emulator; the exit code is 0. */
async function serveUntilStopped(
  io: SandboxIo,
  emulator: { close(): Promise<void> },
  name: string,
  started: () => void,
): Promise<number> {
  io.out('Press Ctrl+C to stop.');
  started();
  await io.stopped.catch(() => undefined);
  await emulator.close();
  io.out(`${name} stopped.`);
  return 0;
}

/** `NAME=value`, the value in single quotes when a shell would split or expand it (system user tokens have spaces). */
function shellQuoted(line: string): string {
  const equals = line.indexOf('=');
  const value = line.slice(equals + 1);
  return /^[\w@%+=:,./-]*$/u.test(value) ? line : `${line.slice(0, equals)}='${value.replaceAll("'", "'\\''")}'`;
}
