import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../observability/logger';
import { HttpError } from '../httpEdge/httpError';
import { RequestAbortedError } from '../httpEdge/readRequestBody';

/**
 * The one place that maps errors to HTTP answers. Body-parser failures keep their status (413 too large, 400
 * unreadable); anything unexpected is a 500 with a code and no internals.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _request, response, next) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    // The client went away before its body was complete: nobody to answer.
    if (error instanceof RequestAbortedError) return;
    if (error instanceof HttpError) {
      response.status(error.status).set(error.headers).json(error.body());
      return;
    }
    const parserError = error as { type?: unknown; status?: unknown; limit?: unknown };
    if (parserError.type === 'entity.too.large') {
      response.status(413).json({
        error: {
          code: 'payload_too_large',
          message: `The body is larger than the limit of ${String(parserError.limit)} bytes.`,
        },
      });
      return;
    }
    if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      response
        .status(parserError.status)
        .json({ error: { code: 'unreadable_body', message: 'The body could not be read.' } });
      return;
    }
    logger.error({ err: error }, 'request failed unexpectedly');
    response.status(500).json({ error: { code: 'internal_error', message: 'The receiver failed; see its logs.' } });
  };
}
