import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Signed-in sessions end after 30 minutes without a request, and after 8 hours in any case. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
export const SESSION_MAX_MS = 8 * 60 * 60 * 1000;
/** Sessions held at most; past it the oldest not signed in go first (every visit to the sign-in page makes one). */
export const MAX_SESSIONS = 10_000;

export interface AdminSession {
  id: string;
  /** Every form of the session carries this token; a POST without it is refused (CSRF). */
  csrfToken: string;
  signedIn: boolean;
  createdAt: number;
  lastSeenAt: number;
}

/**
 * Admin sessions, in memory: a receiver restart signs admins out, which is what an on-prem admin expects. Ids are
 * 256-bit random values; a sign-in always starts a new session (no fixation), sign-out deletes it.
 */
export class AdminSessions {
  private readonly sessions = new Map<string, AdminSession>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A fresh session (anonymous until `signIn`), so the sign-in form has a CSRF token too. */
  create(): AdminSession {
    this.sweep();
    this.makeRoom();
    const now = this.now();
    const session: AdminSession = {
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
      signedIn: false,
      createdAt: now,
      lastSeenAt: now,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id (touching it), or undefined when unknown or expired. */
  get(id: string | undefined): AdminSession | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.now();
    if (now - session.lastSeenAt > SESSION_IDLE_MS || now - session.createdAt > SESSION_MAX_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  /** Replaces `previous` with a new, signed-in session (new id and CSRF token). */
  signIn(previous: AdminSession | undefined): AdminSession {
    if (previous) this.sessions.delete(previous.id);
    const session = this.create();
    session.signedIn = true;
    return session;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  /** Map order is creation order: the first anonymous sessions are the oldest. */
  private makeRoom(): void {
    for (const [id, session] of this.sessions) {
      if (this.sessions.size < MAX_SESSIONS) return;
      if (!session.signedIn) this.sessions.delete(id);
    }
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, session] of this.sessions) {
      if (now - session.lastSeenAt > SESSION_IDLE_MS || now - session.createdAt > SESSION_MAX_MS)
        this.sessions.delete(id);
    }
  }
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(session: AdminSession, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(session.csrfToken);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}
