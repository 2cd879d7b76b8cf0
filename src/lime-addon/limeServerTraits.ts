/**
 * The page size the client asks for: Lime's own client (Lundalogik/lime-n8n-nodes-crm, getManyObjects) reads pages
 * of 200. The server's maximum is not documented (lime-rest-api.md §3.1); a server that serves fewer is learned.
 */
export const PAGE_SIZE = 200;

/**
 * What one Lime server has shown about itself, learned per connection and shared by every client of it (the
 * delivery, probe and sync clients of one connector): how long its Query API pages can be, and whether it refuses
 * `_timestamp` in a query. Nothing here is configured; a new connection starts knowing nothing.
 */
export class LimeServerTraits {
  /** The page length this server was seen to cut pages at (it served that many while more rows existed). */
  private pageCap: number | undefined;
  /**
   * The longest page this server was seen to serve whole: a full page as asked, or a short page the next (empty)
   * page confirmed as the end. A short page no longer than this ends a read without asking further.
   */
  private servedWhole = 0;
  /** The server refuses `_timestamp` in a query: see `timestampSeemsRefused`. */
  timestampRefused = false;
  /** 400s to a query asking `_timestamp` that the same query without it then passed, Lime's message not naming it. */
  private unexplainedTimestampRefusals = 0;

  /**
   * A query asking `_timestamp` was refused (400) and served without it. Taken as the server refusing it when Lime's
   * message names `_timestamp`, or the second time it happens: a single 400 for another reason (a stray failure)
   * must not cost the connection every person's update time.
   */
  timestampSeemsRefused(limeMessage: string | undefined): void {
    if (limeMessage !== undefined && /_?timestamp/iu.test(limeMessage)) {
      this.timestampRefused = true;
      return;
    }
    this.unexplainedTimestampRefusals += 1;
    if (this.unexplainedTimestampRefusals >= 2) this.timestampRefused = true;
  }

  /** The `limit` to ask: 200, or the server's cap once it has shown one. */
  get pageSize(): number {
    return this.pageCap === undefined ? PAGE_SIZE : Math.min(this.pageCap, PAGE_SIZE);
  }

  /** The cap learned, if any (for messages and tests). */
  get cap(): number | undefined {
    return this.pageCap;
  }

  /** A page of `rows` answered a request for `limit`: a full page shows the server serves at least that many. */
  served(rows: number, limit: number): void {
    if (rows >= limit) this.servedWhole = Math.max(this.servedWhole, rows);
  }

  /**
   * Whether a page shorter than asked is the end of the rows: only when the server has served a page at least this
   * long before (or cuts pages at a longer length), so the page cannot have been cut by a cap.
   */
  shortPageEnds(rows: number): boolean {
    return rows <= this.servedWhole || (this.pageCap !== undefined && rows < this.pageCap);
  }

  /** The page after a short page of `rows` was empty: the server served those rows whole. */
  confirmedWhole(rows: number): void {
    this.servedWhole = Math.max(this.servedWhole, rows);
  }

  /** The page after a short page of `rows` held more: the server cuts pages at `rows`. */
  cutAt(rows: number): void {
    if (rows > 0) this.pageCap = rows;
  }
}
