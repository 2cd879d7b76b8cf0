import type { Router } from 'express';
import { countNoun } from '../../../core/countNoun';
import type { Logger } from '../../observability/logger';
import type { AdminSessions } from '../adminSessions';
import { setSessionCookie } from '../sessionCookie';
import type { SessionRequest } from '../sessionRequest';
import { SignInLimiter } from '../signInLimiter';

/** The sign-in page (GET, which starts a session so the form has a CSRF token) and its form (POST). */
export function addSignInRoutes(
  router: Router,
  deps: {
    sessions: AdminSessions;
    checkPassword: (password: string) => Promise<boolean>;
    logger: Pick<Logger, 'info' | 'warn'>;
    now: () => Date;
  },
): void {
  const { sessions, checkPassword, logger, now } = deps;
  const limiter = new SignInLimiter(() => now().getTime());

  router.get('/sign-in', (request: SessionRequest, response) => {
    const session = request.adminSession ?? sessions.create();
    if (!request.adminSession) setSessionCookie(request, response, session, now().getTime());
    if (session.signedIn) return response.redirect(303, '/admin');
    return response.render('sign-in', { session, error: undefined });
  });

  router.post('/sign-in', async (request: SessionRequest, response) => {
    const attempt = limiter.begin(request.ip ?? 'unknown');
    if ('waitMs' in attempt) {
      response.set('Retry-After', String(Math.ceil(attempt.waitMs / 1000)));
      return response.status(429).render('sign-in', {
        session: request.adminSession,
        error: {
          message: `Too many failed attempts. Try again in ${countNoun(Math.ceil(attempt.waitMs / 60_000), 'minute')}.`,
        },
      });
    }
    const password = (request.body as Record<string, unknown>)['password'];
    if (typeof password !== 'string' || password === '') {
      // Counted like a wrong password (resetting the count here would let guesses skip the limit).
      return response.status(400).render('sign-in', {
        session: request.adminSession,
        error: { field: 'password', message: 'Enter the admin password.' },
      });
    }
    if (!(await checkPassword(password))) {
      logger.warn({ event: 'admin_sign_in_failed' }, 'admin sign-in failed');
      return response.status(401).render('sign-in', {
        session: request.adminSession,
        error: { field: 'password', message: 'Wrong password: type it again.' },
      });
    }
    attempt.succeeded();
    const session = sessions.signIn(request.adminSession);
    setSessionCookie(request, response, session, now().getTime());
    logger.info({ event: 'admin_signed_in' }, 'admin signed in');
    return response.redirect(303, '/admin');
  });
}
