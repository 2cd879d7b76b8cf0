import type { IncomingMessage } from 'node:http';
import type { RequestBody } from './routeApiRequest';

/** What the emulator needs from an incoming request, read once: the whole body is in before anything is decided. */
export interface IncomingRequest {
  method: string;
  /** The path as sent, without the query. */
  path: string;
  /** The query string without `?`, as sent. */
  rawQuery: string;
  apiKey: string | undefined;
  body: RequestBody;
  clientAddress: string;
}

export async function readRequest(request: IncomingMessage): Promise<IncomingRequest> {
  const raw = await readBody(request);
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const header = request.headers['x-api-key'];
  return {
    method: request.method ?? 'GET',
    path: queryStart < 0 ? url : url.slice(0, queryStart),
    rawQuery: queryStart < 0 ? '' : url.slice(queryStart + 1),
    apiKey: Array.isArray(header) ? header[0] : header,
    body: parseBody(raw),
    clientAddress: request.socket.remoteAddress ?? 'unknown',
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

/** The path below `/<app>` (`/api/v1/…`), or undefined when the request is not for this application. */
export function pathBelowApp(app: string, path: string): string | undefined {
  const match = /^\/([^/]+)(\/.*)?$/u.exec(path);
  if (match === null) return undefined;
  try {
    if (decodeURIComponent(match[1] ?? '') !== app) return undefined;
  } catch {
    return undefined;
  }
  return match[2] ?? '/';
}

/** Decoded path segments (empty ones dropped, so a trailing slash is optional); undefined for bad escapes. */
export function decodeSegments(path: string): string[] | undefined {
  try {
    return path
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}
