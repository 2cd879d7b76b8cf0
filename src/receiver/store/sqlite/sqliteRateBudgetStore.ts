import { z } from 'zod';
import type { BudgetPurpose, BudgetWindow, RateBudgetStore } from '../ports/rateBudgetStore';
import {
  forgetBefore,
  limitInForce,
  lowerAfterRateLimited,
  markWaiting,
  planTake,
  retryAtOf,
  stateOf,
  windowCountsOf,
  windowStart,
  type LeavingSpend,
  type RateBudgetRow,
  type WindowCounts,
} from '../rateBudgetWindow';
import type { SqliteConnection } from './sqliteConnection';

const optionalMs = z
  .number()
  .nullable()
  .transform((value) => value ?? undefined);
const budgetRecord = z.object({
  blocked_until: optionalMs,
  lowered_limit: optionalMs,
  lowered_until: optionalMs,
  lowerings: z.number(),
  delivery_waiting_until: optionalMs,
  probe_waiting_until: optionalMs,
});
const spentAtRecord = z.object({ spent_at: z.number() });

export function sqliteRateBudgetStore({ sql, writeTransaction, db }: SqliteConnection): RateBudgetStore {
  const readRow = (origin: string): RateBudgetRow | undefined => {
    const row = sql('SELECT * FROM rate_budgets WHERE origin = ?').get(origin);
    if (row === undefined) return undefined;
    const r = budgetRecord.parse(row);
    return {
      blockedUntil: r.blocked_until,
      loweredLimit: r.lowered_limit,
      loweredUntil: r.lowered_until,
      lowerings: r.lowerings,
      deliveryWaitingUntil: r.delivery_waiting_until,
      probeWaitingUntil: r.probe_waiting_until,
    };
  };
  const writeRow = (origin: string, row: RateBudgetRow): void => {
    sql(
      `INSERT INTO rate_budgets (origin, blocked_until, lowered_limit, lowered_until, lowerings,
         delivery_waiting_until, probe_waiting_until)
       VALUES (@origin, @blockedUntil, @loweredLimit, @loweredUntil, @lowerings, @deliveryWaitingUntil, @probeWaitingUntil)
       ON CONFLICT (origin) DO UPDATE SET blocked_until = excluded.blocked_until,
         lowered_limit = excluded.lowered_limit, lowered_until = excluded.lowered_until,
         lowerings = excluded.lowerings, delivery_waiting_until = excluded.delivery_waiting_until,
         probe_waiting_until = excluded.probe_waiting_until`,
    ).run({
      origin,
      blockedUntil: row.blockedUntil ?? null,
      loweredLimit: row.loweredLimit ?? null,
      loweredUntil: row.loweredUntil ?? null,
      lowerings: row.lowerings,
      deliveryWaitingUntil: row.deliveryWaitingUntil ?? null,
      probeWaitingUntil: row.probeWaitingUntil ?? null,
    });
  };
  const countWindow = (window: BudgetWindow): WindowCounts => {
    return windowCountsOf(
      sql(
        `SELECT count(*) AS total, coalesce(sum(purpose = 'delivery'), 0) AS delivery,
           coalesce(sum(purpose = 'probe'), 0) AS probe, coalesce(sum(purpose = 'sync'), 0) AS sync,
           coalesce(sum(refused), 0) AS refused
         FROM rate_budget_spends WHERE origin = ? AND spent_at > ?`,
      ).get(window.origin, windowStart(window)),
    );
  };
  const spentAt = (window: BudgetWindow, leaving: LeavingSpend): number | undefined => {
    const row = sql(
      `SELECT spent_at FROM rate_budget_spends
       WHERE origin = @origin AND spent_at > @start AND (@purpose = 'all' OR purpose = @purpose)
       ORDER BY spent_at, id LIMIT 1 OFFSET @offset`,
    ).get({ origin: window.origin, start: windowStart(window), purpose: leaving.purpose, offset: leaving.offset });
    return row === undefined ? undefined : spentAtRecord.parse(row).spent_at;
  };

  return {
    async takeFromRateBudget(asked) {
      // Counted and spent under the write lock: every process on the file shares the budget.
      return writeTransaction(() => {
        const request = asked.clock === undefined ? asked : { ...asked, now: asked.clock() };
        const now = request.now.getTime();
        sql('DELETE FROM rate_budget_spends WHERE origin = ? AND spent_at <= ?').run(
          request.origin,
          forgetBefore(request),
        );
        const row = readRow(request.origin);
        const plan = planTake(row, countWindow(request), request);
        if (plan.kind === 'take') {
          const { lastInsertRowid } = sql(
            'INSERT INTO rate_budget_spends (origin, spent_at, purpose) VALUES (?, ?, ?)',
          ).run(request.origin, now, request.purpose satisfies BudgetPurpose);
          return { taken: true as const, spendId: String(lastInsertRowid) };
        }
        const leaving = plan.leaving.flatMap((spend) => spentAt(request, spend) ?? []);
        const retryAt = retryAtOf(plan, leaving, row, request);
        writeRow(request.origin, markWaiting(row, request.purpose, retryAt, request.windowMs));
        return { taken: false as const, retryAt: new Date(retryAt) };
      });
    },

    async recordRateLimited(request) {
      writeTransaction(() => {
        sql(
          `UPDATE rate_budget_spends SET refused = 1 WHERE id = (
             SELECT id FROM rate_budget_spends WHERE origin = ? AND spent_at > ? AND refused = 0
             ORDER BY spent_at DESC, id DESC LIMIT 1)`,
        ).run(request.origin, windowStart(request));
        writeRow(request.origin, lowerAfterRateLimited(readRow(request.origin), countWindow(request), request));
      });
    },

    async restampRateBudgetSpends(request) {
      writeTransaction(() => {
        for (const spend of request.spends) {
          sql('UPDATE rate_budget_spends SET spent_at = max(spent_at, ?) WHERE id = ? AND origin = ?').run(
            spend.at.getTime(),
            Number(spend.id),
            request.origin,
          );
        }
      });
    },

    async readRateBudget(request) {
      // One snapshot: the counts and the spend in the way agree.
      return db.transaction(() => {
        const row = readRow(request.origin);
        const counts = countWindow(request);
        const limit = limitInForce(row, request);
        const inTheWay =
          counts.total >= limit ? spentAt(request, { purpose: 'all', offset: counts.total - limit }) : undefined;
        return stateOf(row, counts, request, inTheWay);
      })();
    },
  };
}
