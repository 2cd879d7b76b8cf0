import type { Router } from 'express';
import { countNoun } from '../../../core/countNoun';
import type { DeliveryQueue } from '../../store/ports/deliveryQueue';
import type { DeliveryReads } from '../../store/ports/deliveryReads';
import { setFlash, takeFlash } from '../adminFlash';
import type { SessionRequest } from '../sessionRequest';

const PAGE = '/admin/dead-letters';

/** The dead letters page and its Requeue buttons (one delivery, or all of them); the result is a one-shot flash. */
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
      flash: takeFlash(request.adminSession, PAGE),
    });
  });

  router.post('/dead-letters/requeue-all', async (request: SessionRequest, response) => {
    const count = await deps.store.requeueAllDead(deps.now());
    deps.wakeWorker();
    setFlash(request.adminSession, { page: PAGE, at: deps.now(), text: requeuedText(count) });
    response.redirect(303, PAGE);
  });

  router.post('/dead-letters/:id/requeue', async (request: SessionRequest, response) => {
    const done = await deps.store.requeue(String(request.params['id']), deps.now());
    deps.wakeWorker();
    setFlash(request.adminSession, {
      page: PAGE,
      at: deps.now(),
      text: done
        ? requeuedText(1)
        : 'Nothing was requeued: the delivery was being worked on, or its payload was removed.',
    });
    response.redirect(303, PAGE);
  });
}

function requeuedText(count: number): string {
  return `${countNoun(count, 'delivery', 'deliveries')} requeued: ${count === 1 ? 'it is' : 'they are'} tried again now with fresh attempts.`;
}
