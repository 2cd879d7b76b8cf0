/** What a route answers; the server turns it into an HTTP response. */
export interface ApiResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** A 200 with a JSON body; `null` is how agents say "no such item". */
export function ok(body: unknown): ApiResponse {
  return { status: 200, body, headers: { 'content-type': JSON_TYPE } };
}

/**
 * An error shaped like the package's `SoExceptionInfo` carrier (`Message`, `StackTrace`, `FriendlyText`,
 * `ExceptionType`, `Source`, `InnerException`, `Parameters`).
 */
export function soError(status: number, exceptionType: string, message: string): ApiResponse {
  return {
    status,
    body: {
      Message: message,
      StackTrace: null,
      FriendlyText: message,
      ExceptionType: exceptionType,
      Source: 'SuperOffice.WebApi.Emulator',
      InnerException: null,
      Parameters: {},
    },
    headers: { 'content-type': JSON_TYPE },
  };
}

export function badRequest(message: string): ApiResponse {
  return soError(400, 'ArgumentException', message);
}

export function notFound(message: string): ApiResponse {
  return soError(404, 'NotFoundException', message);
}

export function unauthorized(message: string): ApiResponse {
  const response = soError(401, 'SoSecurityException', message);
  return { ...response, headers: { ...response.headers, 'www-authenticate': 'Bearer, SOTicket' } };
}

export function methodNotAllowed(): ApiResponse {
  const response = soError(405, 'MethodNotAllowedException', 'Agent methods are called with POST.');
  return { ...response, headers: { ...response.headers, allow: 'POST' } };
}

/**
 * Thrown by request readers when a body or query does not fit the method; the router answers 400 with its
 * message. Only the router catches it.
 */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

/** The API user's rights do not allow the call (SoSecurityException, as NetServer names it). */
export function forbidden(message: string): ApiResponse {
  return soError(403, 'SoSecurityException', message);
}
