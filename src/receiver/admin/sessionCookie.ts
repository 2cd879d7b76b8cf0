import type { Request, Response } from 'express';
import { SESSION_MAX_MS, type AdminSession } from './adminSessions';

export const SESSION_COOKIE = 'dci_admin';

/** The session id the request's cookie carries, if any. */
export function readSessionCookie(request: Request): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== SESSION_COOKIE) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined; // a garbled cookie is no session
    }
  }
  return undefined;
}

/** Sets the session's cookie, expiring with the session's 8-hour limit. */
export function setSessionCookie(request: Request, response: Response, session: AdminSession, nowMs: number): void {
  response.cookie(SESSION_COOKIE, session.id, {
    httpOnly: true,
    sameSite: 'strict',
    // Over TLS, directly or through a proxy trusted by TRUST_PROXY (X-Forwarded-Proto): never sent in clear.
    secure: request.secure,
    path: '/admin',
    maxAge: Math.max(0, session.createdAt + SESSION_MAX_MS - nowMs),
  });
}

export function clearSessionCookie(response: Response): void {
  response.clearCookie(SESSION_COOKIE, { path: '/admin' });
}
