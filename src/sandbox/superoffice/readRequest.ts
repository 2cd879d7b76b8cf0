import type { IncomingMessage } from 'node:http';

export type RequestBody = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'malformed' };

/** What the emulator needs from an incoming request, read once: the whole body is in before anything is decided. */
export interface IncomingRequest {
  method: string;
  /** The path as sent, without the query. */
  path: string;
  /** The query string without `?`, as sent. */
  rawQuery: string;
  /** The token of an `Authorization: Bearer <t>` or `SOTicket <t>` header (scheme case-insensitive). */
  token: string | undefined;
  /** Whether `SO-Timezone` asks for offsets on date-times (`UTC,includeTZOffset`). */
  includeTimezoneOffset: boolean;
  body: RequestBody;
}

const AUTHORIZATION = /^(bearer|soticket)\s+(\S+)\s*$/iu;

export async function readRequest(request: IncomingMessage): Promise<IncomingRequest> {
  const raw = await readBody(request);
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const authorization = AUTHORIZATION.exec(request.headers.authorization ?? '');
  const timezone = request.headers['so-timezone'];
  const timezoneParts = (Array.isArray(timezone) ? timezone.join(',') : (timezone ?? '')).split(',');
  return {
    method: request.method ?? 'GET',
    path: queryStart < 0 ? url : url.slice(0, queryStart),
    rawQuery: queryStart < 0 ? '' : url.slice(queryStart + 1),
    token: authorization?.[2],
    includeTimezoneOffset: timezoneParts.some((part) => part.trim().toLowerCase() === 'includetzoffset'),
    body: parseBody(raw),
  };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function parseBody(raw: Buffer): RequestBody {
  if (raw.length === 0) return { kind: 'none' };
  try {
    return { kind: 'json', value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { kind: 'malformed' };
  }
}

/** The path below `/<customerId>` (`/api/v1/…`), or undefined when the request is not for this tenant. */
export function pathBelowTenant(customerId: string, path: string): string | undefined {
  const match = /^\/([^/]+)(\/.*)?$/u.exec(path);
  if (match === null) return undefined;
  try {
    if (decodeURIComponent(match[1] ?? '').toLowerCase() !== customerId.toLowerCase()) return undefined;
  } catch {
    return undefined;
  }
  return match[2] ?? '/';
}
