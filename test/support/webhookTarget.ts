import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a webhook target received: headers and the exact bytes. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A plain HTTP server on loopback standing in for whoever an emulator sends its webhooks to: it keeps every request
 * it gets and answers with the statuses queued in `answers`, in turn (200 once they run out).
 */
export interface WebhookTarget {
  url: string;
  received: ReceivedWebhook[];
  answers: number[];
  close(): Promise<void>;
}

export async function startWebhookTarget(path: string): Promise<WebhookTarget> {
  const received: ReceivedWebhook[] = [];
  const answers: number[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.statusCode = answers.shift() ?? 200;
      response.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    answers,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
