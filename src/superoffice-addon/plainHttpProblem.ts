// Where plain http is refused: the credentials travel in every request (a ticket and the client secret as headers, the
// exchange's body with the client secret and the signed system user token), so http would carry them in clear.
// - `*.superoffice.com` (Online) is refused whatever the credentials: Online is served over https [assumption: every
//   address SuperOfficeDocs gives for Online is https://, e.g. `get-system-user-ticket.md`].
// - `system_user` credentials are refused over http anywhere: the ticket they get is good for 6 hours and the client
//   secret for as long as the application is registered.
// - Loopback (127.0.0.0/8, ::1, localhost) is allowed [choice]: nothing leaves the machine, and the emulator
//   (src/sandbox/superoffice) serves http only. Onsite with basic or a fixed ticket over http stays possible (an
//   internal network's choice, as LIME_URL allows it).
import type { SuperOfficeCredentialKind } from './superOfficeOptions';

/** Why `url` must not be used over plain http with these credentials, or undefined when it may. */
export function plainHttpProblem(url: string, auth: SuperOfficeCredentialKind | undefined): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined; // not a URL: the caller's own check says so
  }
  if (parsed.protocol !== 'http:' || isLoopback(parsed.hostname)) return undefined;
  const host = parsed.hostname.toLowerCase();
  if (host === 'superoffice.com' || host.endsWith('.superoffice.com')) {
    return `${parsed.host} is SuperOffice Online, which is served over https only: use https:// (plain http would send the credentials in clear)`;
  }
  if (auth === 'system_user') {
    return `a system user's ticket and client secret would go in clear over plain http to ${parsed.host}: use https://`;
  }
  return undefined;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/gu, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/u.test(host);
}
