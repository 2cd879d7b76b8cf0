import { runCli } from '../../src/receiver/cli/dciCompanion';

/** The operator CLI run in-process, as `dci-companion <args>` with `env`: its exit code, stdout and stderr. */
export async function runCliCaptured(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    env,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}
