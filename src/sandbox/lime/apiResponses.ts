import type { LimeOperation } from './types';

/** What a route answers; the server turns it into an HTTP response. No body = no content (204). */
export interface ApiResponse {
  status: number;
  body?: unknown;
  headers: Record<string, string>;
}

const HAL_JSON = 'application/hal+json';
const JSON_TYPE = 'application/json';

/** A HAL document (limetype, limeobject and root resources). */
export function hal(status: number, body: unknown): ApiResponse {
  return { status, body, headers: { 'content-type': HAL_JSON } };
}

/** Plain JSON (the Query API and errors). */
export function plainJson(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, body, headers: { 'content-type': JSON_TYPE, ...headers } };
}

export function noContent(): ApiResponse {
  return { status: 204, headers: {} };
}

/** The error envelope of lime-rest-api.md §1.5: `{error, message}` plus `details` for invalid bodies. */
export function apiError(
  status: number,
  error: string,
  message: string,
  details?: Record<string, unknown>,
): ApiResponse {
  return plainJson(status, details === undefined ? { error, message } : { error, message, details });
}

export function badRequest(message: string, details?: Record<string, unknown>): ApiResponse {
  return apiError(400, 'Bad Request', message, details);
}

export function notFound(message: string): ApiResponse {
  return apiError(404, 'Not Found', message);
}

export function limetypeNotFound(limetype: string): ApiResponse {
  return notFound(`The limetype "${limetype}" does not exist.`);
}

export function propertyNotFound(property: string): ApiResponse {
  return notFound(`The property "${property}" does not exist.`);
}

export function forbidden(operation: LimeOperation, limetype: string): ApiResponse {
  return apiError(403, 'Forbidden', `The API user may not ${operation} ${limetype}.`);
}

export function methodNotAllowed(allowed: readonly string[]): ApiResponse {
  const response = apiError(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.');
  return { ...response, headers: { ...response.headers, allow: allowed.join(', ') } };
}
