import { newestFirst } from './conversationStore';

/** Where a page ended: the date and id of its last conversation (keyset paging, stable while conversations arrive). */
export interface PagePosition {
  date: string;
  id: string;
}

/** An opaque cursor: base64url of `{"v":1,"date","id"}`. Clients must not read it. */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify({ v: 1, date: position.date, id: position.id }), 'utf8').toString('base64url');
}

/** The position a cursor names, or undefined when it is not one this server made. */
export function decodeCursor(cursor: string): PagePosition | undefined {
  if (!/^[A-Za-z0-9_-]+$/u.test(cursor)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof decoded !== 'object' || decoded === null) return undefined;
  const { v, date, id } = decoded as Record<string, unknown>;
  if (v !== 1 || typeof date !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(date))) {
    return undefined;
  }
  return { date, id };
}

/** The items strictly after `position` in newest-first order. */
export function after<Item extends PagePosition>(items: readonly Item[], position: PagePosition): Item[] {
  return items.filter((item) => newestFirst(position, item) < 0);
}
