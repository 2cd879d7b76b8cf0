import type { Router } from 'express';
import type { DeliveryQueue } from '../../store/ports/deliveryQueue';
import type { DeliveryReads } from '../../store/ports/deliveryReads';
import type { SessionRequest } from '../sessionRequest';

/** The dead letters page and its Requeue buttons (one delivery, or all of them). */
export function addDeadLetterRoutes(
  router: Router,
  deps: {
    store: Pick<DeliveryReads, 'listDeliveries'> & Pick<DeliveryQueue, 'requeue' | 'requeueAllDead'>;
    wakeWorker: () => void;
    now: () => Date;
  },
): void {
  router.get('/dead-letters', async (request: SessionRequest, response) => {
    response.render('dead-letters', {
      session: request.adminSession,
      deliveries: await deps.store.listDeliveries({ status: 'dead', limit: 200 }),
      notice: request.query['notice'],
    });
  });

  router.post('/dead-letters/requeue-all', async (_request, response) => {
    const count = await deps.store.requeueAllDead(deps.now());
    deps.wakeWorker();
    response.redirect(303, `/admin/dead-letters?notice=${count}`);
  });

  router.post('/dead-letters/:id/requeue', async (request, response) => {
    await deps.store.requeue(String(request.params['id']), deps.now());
    deps.wakeWorker();
    response.redirect(303, '/admin/dead-letters?notice=1');
  });
}
