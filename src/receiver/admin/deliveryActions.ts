import type { DeliveryStatus } from '../store/ports/deliveryQueue';
import { MATCH_AGAIN } from './outcomeBadges';

/** A button on a delivery's page: the route it posts to, what it says and a line on what it does. */
export interface DeliveryAction {
  path: 'retry' | 'rerun' | 'dry-run';
  label: string;
  hint: string;
}

const DRY_RUN: DeliveryAction = {
  path: 'dry-run',
  label: 'Dry run (writes nothing)',
  hint: 'Matches the participants in Lime now and shows the note that would be written; nothing is written.',
};

/**
 * The actions that make sense for a delivery's status. All requeue through the same store call; what that does
 * depends on the status (requeueStep): due now for a waiting delivery, a fresh start for a dead or delivered one.
 */
export function deliveryActions(status: DeliveryStatus, nextAttemptAt: Date | undefined): DeliveryAction[] {
  switch (status) {
    case 'pending':
    case 'retrying':
      return [
        {
          path: 'retry',
          label: 'Retry now',
          hint:
            nextAttemptAt === undefined
              ? 'Tries it at once; the attempts made so far still count.'
              : 'Tries it at once instead of at the next attempt shown above; the attempts made so far still count.',
        },
        DRY_RUN,
      ];
    case 'dead':
      return [
        {
          path: 'retry',
          label: 'Retry now',
          hint: 'Starts the delivery over with fresh attempts: fix the reason in Last error first. Notes already written are updated, not doubled.',
        },
        DRY_RUN,
      ];
    case 'delivered':
      return [
        {
          path: 'rerun',
          label: MATCH_AGAIN,
          hint: 'After fixing contacts in Lime: matches every participant again; notes already written are updated in place, a person matched for the first time gets a new note.',
        },
        DRY_RUN,
      ];
    case 'in_progress':
      return [DRY_RUN];
  }
}
