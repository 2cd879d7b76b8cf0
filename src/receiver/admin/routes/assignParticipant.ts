import type { Router } from 'express';
import type { AssignResult } from '../../deliver/resolveParticipants';
import { setFlash } from '../adminFlash';
import type { SessionRequest } from '../sessionRequest';

/** An admin's "this participant is that person", as the delivery page posts it (issue 19 item 3). */
export type AssignParticipant = (request: {
  deliveryId: string;
  participantIndex: number;
  personId: string | number;
  by: string;
}) => Promise<AssignResult>;

/** A person id as an admin types it: Lime's and SuperOffice's are positive integers. */
const PERSON_ID = /^[1-9]\d{0,15}$/u;

/**
 * POST /admin/deliveries/:id/participants/:index/assign (CSRF-checked like every admin form): writes the note on the
 * chosen person at once, exactly once, and says what came of it on the page (POST → 303 → GET with a flash).
 */
export function addAssignParticipantRoute(
  router: Router,
  deps: { assign: AssignParticipant | undefined; now: () => Date },
): void {
  router.post('/deliveries/:id/participants/:index/assign', async (request: SessionRequest, response) => {
    const id = String(request.params['id']);
    const page = `/admin/deliveries/${encodeURIComponent(id)}`;
    const index = Number(request.params['index']);
    const body = request.body as Record<string, unknown> | undefined;
    const typed = typeof body?.['personId'] === 'string' ? body['personId'].trim() : '';
    const flash = (text: string) => {
      setFlash(request.adminSession, { page, at: deps.now(), text });
      return response.redirect(303, page);
    };
    if (deps.assign === undefined) return flash('Assigning participants is not available on this receiver.');
    if (!Number.isSafeInteger(index) || index < 0) return flash('No such participant.');
    if (!PERSON_ID.test(typed)) {
      return flash(
        `"${typed.slice(0, 40)}" is not a person id: type the person's number as the CRM shows it (e.g. 1001).`,
      );
    }
    // The admin session has no user name: "admin" plus when the session signed in, which tells sessions apart
    // without recording the session's secret id.
    const session = request.adminSession;
    const by =
      session === undefined ? 'admin' : `admin (session signed in ${new Date(session.createdAt).toISOString()})`;
    const result = await deps.assign({ deliveryId: id, participantIndex: index, personId: Number(typed), by });
    if (result.kind === 'refused') return flash(`Nothing was written: ${result.message}`);
    const { outcome } = result;
    return flash(
      `Participant ${index + 1} is now person ${String(outcome.personId)}: the note was ${outcome.outcome === 'updated' ? 'updated (that person already had it)' : 'written'}.`,
    );
  });
}
