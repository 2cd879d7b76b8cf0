import type { HttpRequest } from './readHttpRequest';

/** The request-log fields both emulators record; each adds the credential it was sent. */
export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  /** The parsed JSON body, when one was sent and parsed. */
  body?: unknown;
  /** 0 when the request was dropped. */
  status: number;
}

/** `path` is what the log shows: the path below the emulator's prefix, or the full path outside it. */
export function requestLogEntry(request: HttpRequest, path: string, status: number): RequestLogEntry {
  return {
    method: request.method,
    path,
    query: request.rawQuery,
    ...(request.body.kind === 'json' ? { body: request.body.value } : {}),
    status,
  };
}
