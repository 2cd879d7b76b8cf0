/**
 * How many CRM requests one meeting keeps open at once (its participants' lookups, its persons' writes). Four: a
 * 20-participant meeting then takes 5 rounds of requests instead of 20, while one meeting never puts more than four
 * requests on the tenant at a time — SuperOffice Online throttles what "creates too much load" without saying how
 * much that is [verified: shared/specs/superoffice.md §1.6], and the receiver runs several deliveries at once
 * (WORKER_CONCURRENCY), so the tenant sees at most four times that.
 */
export const CRM_REQUESTS_PER_MEETING = 4;

/**
 * `work` on every item, at most `limit` at a time, the results in the items' order. On a failure no further item is
 * started, and the promise rejects (with the first failure) only once every started item has settled: nothing of
 * this meeting still writes to the CRM after its caller has been told it failed (and may retry it).
 */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        if (failure === undefined) failure = { error };
      }
    }
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => lane());
  await Promise.all(lanes);
  if (failure !== undefined) throw failure.error;
  return results;
}
