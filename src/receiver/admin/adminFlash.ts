import type { AdminSession } from './adminSessions';

/**
 * A one-shot message after a POST (POST → 303 → GET): kept with the session, shown by the next GET of the page it is
 * for, then gone. Never in the URL, so a reload or a bookmark cannot show "queued" beside a status that says
 * otherwise.
 */
export interface Flash {
  /** The page it is for (`/admin/deliveries/<id>`); another page leaves it waiting. */
  page: string;
  /** What the page shows, as it is (the delivery page, dead letters). */
  text?: string | undefined;
  at: Date;
  /** Instead, for a page whose view words the message itself (the backfill and connection notices): which one. */
  code?: string | undefined;
}

const flashes = new WeakMap<AdminSession, Flash>();

export function setFlash(session: AdminSession | undefined, flash: Flash): void {
  if (session) flashes.set(session, flash);
}

/** The flash for `page`, removed as it is read; undefined when there is none for this page. */
export function takeFlash(session: AdminSession | undefined, page: string): Flash | undefined {
  if (!session) return undefined;
  const flash = flashes.get(session);
  if (flash?.page !== page) return undefined;
  flashes.delete(session);
  return flash;
}
