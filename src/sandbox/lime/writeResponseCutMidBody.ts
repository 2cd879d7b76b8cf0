import type { ServerResponse } from 'node:http';
import { answerBytes } from '../shared/writeAnswer';
import type { ApiResponse } from './apiResponses';

/** Status line, headers and half the body, then the connection is destroyed: the client's body read fails. */
export function writeResponseCutMidBody(response: ServerResponse, result: ApiResponse): void {
  // A 204 has no body to cut; announce one so there is something to lose.
  const bytes = answerBytes(result) ?? Buffer.from('{"_links": {}}', 'utf8');
  response.writeHead(result.status === 204 ? 200 : result.status, {
    ...result.headers,
    'content-type': result.headers['content-type'] ?? 'application/json',
    'content-length': String(bytes.length),
  });
  response.write(bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))), () => response.destroy());
}
