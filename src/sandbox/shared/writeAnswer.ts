import type { ServerResponse } from 'node:http';

/** What an emulator route answers; `writeAnswer` turns it into the HTTP response. No body = no content. */
export interface HttpAnswer {
  status: number;
  body?: unknown;
  headers: Record<string, string>;
}

/** The body as sent: a string as is, anything else as JSON; undefined when there is no body. */
export function answerBytes(answer: HttpAnswer): Buffer | undefined {
  if (answer.body === undefined) return undefined;
  return Buffer.from(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body), 'utf8');
}

export function writeAnswer(response: ServerResponse, answer: HttpAnswer): void {
  const bytes = answerBytes(answer);
  response.writeHead(answer.status, {
    ...answer.headers,
    ...(bytes === undefined ? {} : { 'content-length': String(bytes.length) }),
  });
  response.end(bytes);
}
