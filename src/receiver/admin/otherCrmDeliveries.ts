import type { OtherCrmWaiting } from '../store/ports/deliveryReads';
import { crmNameOf } from './outcomeBadges';

// Deliveries carry the CRM they were queued for (`target`), and a receiver claims only the CRM in effect's (`CRM`).
// After a CRM switch the other CRM's open deliveries wait, untouched, until that CRM is set again: the pages say so
// rather than counting them as open (they would look stuck), and a requeue of one says so rather than reopening it
// into that wait. Shared by the admin pages and the CLI.

/** "3 deliveries wait for Lime (CRM=lime): they are delivered when CRM=lime is set again." */
export function otherCrmWaitingText({ target, count }: OtherCrmWaiting): string {
  const many = count !== 1;
  return `${count} ${many ? 'deliveries wait' : 'delivery waits'} for ${crmNameOf(target)} (CRM=${target}): ${many ? 'they are' : 'it is'} delivered when CRM=${target} is set again.`;
}

/**
 * Why a delivery of another CRM than the one in effect is not requeued, and what to do; undefined when it is the
 * CRM in effect's (or the delivery is unknown: the store then answers as for any id).
 */
export function otherCrmRequeueRefusal(target: string | undefined, inEffect: string): string | undefined {
  if (target === undefined || target === inEffect) return undefined;
  return `Nothing was requeued: this delivery is for ${crmNameOf(target)} (CRM=${target}), and this receiver delivers to ${crmNameOf(inEffect)} (CRM=${inEffect}); requeued now it would only wait. Requeue it when CRM=${target} is set again.`;
}

/** "; 2 dead letters of SuperOffice (CRM=superoffice) were left: requeue them when CRM=superoffice is set again" */
export function otherCrmDeadLeftText(target: string, count: number): string {
  return `${count} dead ${count === 1 ? 'letter' : 'letters'} of ${crmNameOf(target)} (CRM=${target}) ${count === 1 ? 'was' : 'were'} left as ${count === 1 ? 'it is' : 'they are'}: requeue ${count === 1 ? 'it' : 'them'} when CRM=${target} is set again.`;
}
