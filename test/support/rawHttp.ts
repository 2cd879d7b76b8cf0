import { connect } from 'node:net';

export interface RawHttpResponse {
  status: number;
  /** The header lines exactly as received, one per line (the status line excluded). */
  headerLines: string[];
  /** Header values by lower-case name, in the order received. */
  headers: Record<string, string[]>;
  body: string;
}

/**
 * One HTTP/1.1 request written byte for byte to a socket: for what an HTTP client library refuses to send
 * (repeated headers in any order, CR/LF or control bytes inside a header, a body in an arbitrary encoding), so
 * the server's own parser and handlers are what is tested. `Connection: close` is added; the answer is read to
 * the end.
 */
export function rawHttpRequest(
  port: number,
  request: {
    method?: string;
    path: string;
    headers?: ReadonlyArray<readonly [string, string | Buffer]>;
    body?: Buffer;
  },
): Promise<RawHttpResponse> {
  const body = request.body ?? Buffer.alloc(0);
  const head = [
    Buffer.from(`${request.method ?? 'POST'} ${request.path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`, 'latin1'),
    ...(request.headers ?? []).map(([name, value]) =>
      Buffer.concat([Buffer.from(`${name}: `, 'latin1'), Buffer.from(value), Buffer.from('\r\n', 'latin1')]),
    ),
    Buffer.from(`Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`, 'latin1'),
  ];
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // Written, not ended: a client that half-closes its side makes Node abort a request still being handled. The
    // server closes the connection after its answer (`Connection: close`).
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.concat([...head, body])));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks).toString('latin1')));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

function parseResponse(raw: string): RawHttpResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete HTTP answer: ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine = '', ...headerLines] = raw.slice(0, end).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/u.exec(statusLine)?.[1];
  if (status === undefined) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string[]> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  const bodyLatin1 = raw.slice(end + 4);
  return { status: Number(status), headerLines, headers, body: Buffer.from(bodyLatin1, 'latin1').toString('utf8') };
}
