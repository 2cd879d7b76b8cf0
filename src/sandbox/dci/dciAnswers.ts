import { STATUS_CODES } from 'node:http';
import type { HttpAnswer } from '../shared/writeAnswer';

const JSON_UTF8 = 'application/json; charset=utf-8';

/** A JSON answer as DCI's NestJS server sends it. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpAnswer {
  return { status, body, headers: { 'content-type': JSON_UTF8, ...headers } };
}

/** NestJS's error body, `{statusCode, message}` (dci-api.md §1.3 [inferred] for every status but 429). */
export function dciError(status: number, message: string): HttpAnswer {
  return json(status, { statusCode: status, message });
}

/** The answer to an injected `status` fault that brings no body of its own. */
export function injectedError(status: number): HttpAnswer {
  return dciError(status, STATUS_CODES[status] ?? 'Error');
}
