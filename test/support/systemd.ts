import { existsSync } from 'node:fs';

/** Where Debian's systemd package puts `systemd-analyze` (the tests verify the service unit with it). */
export const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

/**
 * Whether `systemd-analyze` is installed, asked once per test file before its tests are registered. With
 * `REQUIRE_SYSTEMD=1` (CI: .ci/run installs systemd) a missing binary throws, failing the file; otherwise the reason
 * is printed and the caller skips its unit verification (as `postgresAvailable` does with REQUIRE_POSTGRES).
 */
export function systemdAnalyzeAvailable(
  path = SYSTEMD_ANALYZE,
  env: Record<string, string | undefined> = process.env,
): boolean {
  if (existsSync(path)) return true;
  const reason = `${path} is not installed (apt-get install -y --no-install-recommends systemd)`;
  if (env['REQUIRE_SYSTEMD'] === '1') {
    throw new Error(`${reason}, and REQUIRE_SYSTEMD=1 requires it: the systemd unit must be verified here`);
  }
  console.warn(`Skipping the systemd unit verification: ${reason}. Set REQUIRE_SYSTEMD=1 to make this a failure.`);
  return false;
}
