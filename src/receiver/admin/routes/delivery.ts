import type { Router } from 'express';
import type { DeliveryQueue } from '../../store/ports/deliveryQueue';
import { setFlash, takeFlash } from '../adminFlash';
import type { CrmWebUrls } from '../crmWebLinks';
import { deliveryPage, type DeliveryPageStore } from '../deliveryPage';
import { notFound } from '../messagePages';
import { otherCrmRequeueRefusal } from '../otherCrmDeliveries';
import { PERSON_SEARCH_LIMIT, type PersonSearch, type PersonSearchResult } from '../personSearch';
import type { SessionRequest } from '../sessionRequest';

/**
 * A delivery's page and its Retry now and Match again buttons. Both requeue (the store decides what that means for
 * the status); the result is a one-shot flash for the next view of the page (POST → 303 → GET), never a URL parameter.
 */
export function addDeliveryRoutes(
  router: Router,
  deps: {
    store: DeliveryPageStore & Pick<DeliveryQueue, 'requeue'>;
    /** The CRM in effect (`CRM`): another CRM's delivery is not requeued (no worker here would claim it). */
    target: string;
    wakeWorker: () => void;
    now: () => Date;
    /** The CRMs' web clients (LIME_WEB_URL, SUPEROFFICE_WEB_URL): the outcomes' ids link to their records there. */
    crmWebUrls?: CrmWebUrls | undefined;
    /** The search for a person to assign a participant to (Lime's contact index); absent: the page says why not. */
    searchPersons?: PersonSearch | undefined;
  },
): void {
  router.get('/deliveries/:id', async (request: SessionRequest, response) => {
    const id = String(request.params['id']);
    const page = await deliveryPage(deps.store, id, request.query['summary'] === '1', deps.crmWebUrls);
    if (!page) return response.status(404).render('message', notFound(request));
    return response.render('delivery', {
      session: request.adminSession,
      ...page,
      personSearch: await personSearchView(request.query, page.participants, deps.searchPersons),
      dryRun: undefined,
      flash: takeFlash(request.adminSession, pagePath(id)),
    });
  });

  for (const action of ['retry', 'rerun'] as const) {
    router.post(`/deliveries/:id/${action}`, async (request: SessionRequest, response) => {
      const id = String(request.params['id']);
      const before = await deps.store.getDelivery(id);
      // A delivery's target never changes: checked here, it still holds when the store requeues.
      const refusal = otherCrmRequeueRefusal(before?.target, deps.target);
      if (refusal !== undefined) {
        setFlash(request.adminSession, { page: pagePath(id), at: deps.now(), text: refusal });
        return response.redirect(303, pagePath(id));
      }
      const done = await deps.store.requeue(id, deps.now());
      deps.wakeWorker();
      setFlash(request.adminSession, {
        page: pagePath(id),
        at: deps.now(),
        text: !done
          ? before?.payloadRemoved
            ? 'Nothing was requeued: the payload was removed, so there is nothing left to deliver.'
            : 'Nothing was requeued: the delivery was being worked on at that moment. Its status below is current; try again if it is still needed.'
          : before?.status === 'delivered'
            ? 'Matching was started again: notes already written are updated in place, a person matched for the first time gets a new note.'
            : before?.status === 'dead'
              ? 'The delivery was started over with fresh attempts.'
              : 'The delivery was made due at once.',
      });
      return response.redirect(303, pagePath(id));
    });
  }
}

function pagePath(id: string): string {
  return `/admin/deliveries/${encodeURIComponent(id)}`;
}

/**
 * The search form's state for the page: whether search is offered, and for a GET with `?searchFor=N&q=…` the
 * persons found for participant N (only a participant waiting for an admin: others have nothing to assign).
 */
async function personSearchView(
  query: Record<string, unknown>,
  participants: ReadonlyArray<{ index: number; assignable?: unknown }>,
  search: PersonSearch | undefined,
): Promise<{
  available: boolean;
  limit: number;
  forIndex?: number | undefined;
  text?: string | undefined;
  result?: PersonSearchResult | undefined;
}> {
  const base = { available: search !== undefined, limit: PERSON_SEARCH_LIMIT };
  const forIndex = typeof query['searchFor'] === 'string' ? Number(query['searchFor']) : Number.NaN;
  const text = typeof query['q'] === 'string' ? query['q'].slice(0, 200) : undefined;
  if (search === undefined || text === undefined) return base;
  if (!participants.some((p) => p.index === forIndex && p.assignable !== undefined)) return base;
  return { ...base, forIndex, text, result: await search(text) };
}
