import type { Router } from 'express';
import { countNoun } from '../../../core/countNoun';
import type { DeliveryQueue } from '../../store/ports/deliveryQueue';
import type { DeliveryReads, DeliveryRow } from '../../store/ports/deliveryReads';
import { setFlash, takeFlash } from '../adminFlash';
import { otherCrmDeadLeftText, otherCrmRequeueRefusal } from '../otherCrmDeliveries';
import { crmNameOf } from '../outcomeBadges';
import type { SessionRequest } from '../sessionRequest';

const PAGE = '/admin/dead-letters';

/** The dead letters page and its Requeue buttons (one delivery, or all of them); the result is a one-shot flash. */
export function addDeadLetterRoutes(
  router: Router,
  deps: {
    store: Pick<DeliveryReads, 'listDeliveries' | 'getDelivery'> & Pick<DeliveryQueue, 'requeue' | 'requeueAllDead'>;
    /**
     * The CRM in effect (`CRM`): only its dead letters are requeued. Another CRM's, reopened, would wait unclaimed
     * until that CRM is set again, and "requeued" would be untrue.
     */
    target: string;
    wakeWorker: () => void;
    now: () => Date;
  },
): void {
  router.get('/dead-letters', async (request: SessionRequest, response) => {
    const deliveries = await deps.store.listDeliveries({ status: 'dead', limit: DEAD_LETTERS_SHOWN });
    response.render('dead-letters', {
      session: request.adminSession,
      deliveries,
      target: deps.target,
      requeueable: deliveries.filter((row) => row.target === deps.target).length,
      otherCrmName: crmNameOf,
      flash: takeFlash(request.adminSession, PAGE),
    });
  });

  router.post('/dead-letters/requeue-all', async (request: SessionRequest, response) => {
    const count = await deps.store.requeueAllDead(deps.now(), deps.target);
    deps.wakeWorker();
    const left = leftByTarget(
      await deps.store.listDeliveries({ status: 'dead', limit: DEAD_LETTERS_SHOWN }),
      deps.target,
    );
    const text = [requeuedText(count), ...[...left].map(([target, n]) => otherCrmDeadLeftText(target, n))].join(' ');
    setFlash(request.adminSession, { page: PAGE, at: deps.now(), text });
    response.redirect(303, PAGE);
  });

  router.post('/dead-letters/:id/requeue', async (request: SessionRequest, response) => {
    const id = String(request.params['id']);
    // A delivery's target never changes: checked here, it still holds when the store requeues.
    const refusal = otherCrmRequeueRefusal((await deps.store.getDelivery(id))?.target, deps.target);
    if (refusal !== undefined) {
      setFlash(request.adminSession, { page: PAGE, at: deps.now(), text: refusal });
      return response.redirect(303, PAGE);
    }
    const done = await deps.store.requeue(id, deps.now());
    deps.wakeWorker();
    setFlash(request.adminSession, {
      page: PAGE,
      at: deps.now(),
      text: done
        ? requeuedText(1)
        : 'Nothing was requeued: the delivery was being worked on, or its payload was removed.',
    });
    return response.redirect(303, PAGE);
  });
}

/** The dead letters the page lists (the newest), and looks through for the other CRM's left after Requeue all. */
const DEAD_LETTERS_SHOWN = 200;

/** The other CRMs' dead letters among `rows`, counted by target. */
function leftByTarget(rows: readonly DeliveryRow[], target: string): Map<string, number> {
  const left = new Map<string, number>();
  for (const row of rows) if (row.target !== target) left.set(row.target, (left.get(row.target) ?? 0) + 1);
  return left;
}

function requeuedText(count: number): string {
  return `${countNoun(count, 'delivery', 'deliveries')} requeued: ${count === 1 ? 'it is' : 'they are'} tried again now with fresh attempts.`;
}
