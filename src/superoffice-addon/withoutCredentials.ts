import type { AxiosRequestConfig } from 'axios';

// SuperOffice's error bodies are stored as `detail` and shown to admins on the delivery and dead-letter pages. A
// server (or a proxy in front of an Onsite one) may echo what it was sent — the ticket, the application token, the
// basic credentials — so the values this request carried are cut out of that text before anyone sees it, as the
// Lime side cuts its API key out of Lime's message (limeHttp.ts `limeMessage`).

const PLACEHOLDER = '[credential]';

/** `text` with every occurrence of each secret replaced; the longest first, so a part never survives a whole. */
export function withoutCredentials(text: string, secrets: readonly string[]): string {
  const usable = [...new Set(secrets.filter((secret) => secret.length >= 4))].sort((a, b) => b.length - a.length);
  return usable.reduce((cleaned, secret) => cleaned.split(secret).join(PLACEHOLDER), text);
}

/**
 * The credentials a WebAPI request carried: the `Authorization` value and its token (a ticket, a bearer token, or
 * Basic's base64 with the `user:password` and password it encodes) and `SO-AppToken` (the client secret).
 */
export function credentialsSentWith(config: AxiosRequestConfig | undefined): string[] {
  const headers = config?.headers as { get?: (name: string) => unknown } | Record<string, unknown> | undefined;
  const read = (name: string): string | undefined => {
    if (headers === undefined) return undefined;
    const value =
      typeof headers.get === 'function'
        ? (headers.get as (name: string) => unknown)(name)
        : (headers as Record<string, unknown>)[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const secrets: string[] = [];
  const authorization = read('Authorization');
  if (authorization !== undefined) {
    secrets.push(authorization);
    const [scheme = '', token = ''] = authorization.split(/ (.*)/su);
    secrets.push(token);
    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(token, 'base64').toString('utf8');
      secrets.push(decoded, decoded.slice(decoded.indexOf(':') + 1));
    }
  }
  const appToken = read('SO-AppToken');
  if (appToken !== undefined) secrets.push(appToken);
  return secrets;
}
