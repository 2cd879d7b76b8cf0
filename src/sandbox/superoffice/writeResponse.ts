import type { ServerResponse } from 'node:http';
import type { ApiResponse } from './apiResponses';

export function writeResponse(response: ServerResponse, result: ApiResponse): void {
  const bytes = Buffer.from(typeof result.body === 'string' ? result.body : JSON.stringify(result.body), 'utf8');
  response.writeHead(result.status, { ...result.headers, 'content-length': String(bytes.length) });
  response.end(bytes);
}
