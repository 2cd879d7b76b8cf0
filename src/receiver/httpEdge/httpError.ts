import type { PayloadIssue } from '../../core';

/**
 * An answer the HTTP edge gives instead of a success: the status and the stable code are chosen where the
 * problem is found; `errorHandler` turns it into `{ error: { code, message, issues? } }`.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: PayloadIssue[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { issues?: PayloadIssue[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.issues = extra.issues;
    this.headers = extra.headers ?? {};
  }

  /** The answer's body: `{ error: { code, message, issues? } }`, the same on every route. */
  body(): { error: { code: string; message: string; issues?: PayloadIssue[] } } {
    return { error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) } };
  }
}
