import type { IncomingMessage } from 'node:http';
import { pathBelowFirstSegment } from '../shared/pathBelowFirstSegment';
import { readHttpRequest, type HttpRequest } from '../shared/readHttpRequest';

/** What the emulator needs from an incoming request, read once: the whole body is in before anything is decided. */
export interface IncomingRequest extends HttpRequest {
  apiKey: string | undefined;
  clientAddress: string;
}

export async function readRequest(request: IncomingMessage): Promise<IncomingRequest> {
  const header = request.headers['x-api-key'];
  return {
    ...(await readHttpRequest(request)),
    apiKey: Array.isArray(header) ? header[0] : header,
    clientAddress: request.socket.remoteAddress ?? 'unknown',
  };
}

/** The path below `/<app>` (`/api/v1/…`), or undefined when the request is not for this application. */
export function pathBelowApp(app: string, path: string): string | undefined {
  return pathBelowFirstSegment(path, (segment) => segment === app);
}
