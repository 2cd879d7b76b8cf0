import type { IncomingMessage } from 'node:http';

/** A request body as an emulator sees it: absent, JSON, or bytes that are not JSON. */
export type RequestBody = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'malformed' };

/** The parts of a request both emulators read the same way; each adds its own headers. */
export interface HttpRequest {
  method: string;
  /** The path as sent, without the query. */
  path: string;
  /** The query string without `?`, as sent. */
  rawQuery: string;
  body: RequestBody;
}

/** Reads the whole body before returning: nothing is decided on a half-received request. */
export async function readHttpRequest(request: IncomingMessage): Promise<HttpRequest> {
  const raw = await readBody(request);
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  return {
    method: request.method ?? 'GET',
    path: queryStart < 0 ? url : url.slice(0, queryStart),
    rawQuery: queryStart < 0 ? '' : url.slice(queryStart + 1),
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
