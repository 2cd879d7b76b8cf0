import type { Router } from 'express';
import type { DeliveryQueue } from '../../store/ports/deliveryQueue';
import { deliveryPage, type DeliveryPageStore } from '../deliveryPage';
import { notFound } from '../messagePages';
import type { SessionRequest } from '../sessionRequest';

/** A delivery's page and its Retry now and Run again buttons (both requeue; the notice says which was pressed). */
export function addDeliveryRoutes(
  router: Router,
  deps: { store: DeliveryPageStore & Pick<DeliveryQueue, 'requeue'>; wakeWorker: () => void; now: () => Date },
): void {
  router.get('/deliveries/:id', async (request: SessionRequest, response) => {
    const page = await deliveryPage(deps.store, String(request.params['id']), request.query['summary'] === '1');
    if (!page) return response.status(404).render('message', notFound(request));
    return response.render('delivery', {
      session: request.adminSession,
      ...page,
      dryRun: undefined,
      notice: request.query['notice'],
    });
  });

  router.post('/deliveries/:id/retry', async (request, response) => {
    const id = String(request.params['id']);
    const done = await deps.store.requeue(id, deps.now());
    deps.wakeWorker();
    response.redirect(303, `/admin/deliveries/${encodeURIComponent(id)}?notice=${done ? 'requeued' : 'busy'}`);
  });

  router.post('/deliveries/:id/rerun', async (request, response) => {
    const id = String(request.params['id']);
    const done = await deps.store.requeue(id, deps.now());
    deps.wakeWorker();
    response.redirect(303, `/admin/deliveries/${encodeURIComponent(id)}?notice=${done ? 'rerun' : 'busy'}`);
  });
}
