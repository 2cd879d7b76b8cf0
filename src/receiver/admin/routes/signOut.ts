import type { Router } from 'express';
import type { AdminSessions } from '../adminSessions';
import { clearSessionCookie } from '../sessionCookie';
import type { SessionRequest } from '../sessionRequest';

/** Sign out (the button on every page): the session is deleted, not just its cookie. */
export function addSignOutRoute(router: Router, deps: { sessions: AdminSessions }): void {
  router.post('/sign-out', (request: SessionRequest, response) => {
    if (request.adminSession) deps.sessions.destroy(request.adminSession.id);
    clearSessionCookie(response);
    response.redirect(303, '/admin/sign-in');
  });
}
