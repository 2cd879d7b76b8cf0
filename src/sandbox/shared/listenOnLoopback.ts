import { setMaxListeners } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export type RequestHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  closing: AbortSignal,
) => Promise<void>;

export interface LoopbackListenOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Serve HTTPS with this PEM key and certificate instead of HTTP. */
  tls?: { key: string; cert: string };
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` (or `https://…`), without a trailing slash. */
  origin: string;
  port: number;
  /** Stops listening and cuts every open connection; pending delays end. Calling it again returns the same promise. */
  close(): Promise<void>;
}

/** Starts a node:http(s) server on 127.0.0.1 and resolves once it listens. */
export async function listenOnLoopback(
  handle: RequestHandler,
  options: LoopbackListenOptions,
): Promise<LoopbackServer> {
  const closing = new AbortController();
  // Every request in flight (a delay, a hold) listens for the close: many at once is the normal case, not a leak.
  setMaxListeners(0, closing.signal);
  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    // Only a request cut short (the emulator closing during a delay, a client gone) ends up here.
    handle(request, response, closing.signal).catch(() => response.destroy());
  };
  const server =
    options.tls === undefined
      ? createHttpServer(listener)
      : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    origin: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
