import type { PoolClient } from 'pg';
import { z } from 'zod';
import type { BudgetWindow, RateBudgetStore } from '../ports/rateBudgetStore';
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
import { single, type PostgresConnection } from './postgresConnection';

const optionalMs = z
  .date()
  .nullable()
  .transform((value) => value?.getTime());
const budgetRecord = z.object({
  blocked_until: optionalMs,
  lowered_limit: z
    .number()
    .nullable()
    .transform((value) => value ?? undefined),
  lowered_until: optionalMs,
  lowerings: z.number(),
  delivery_waiting_until: optionalMs,
  probe_waiting_until: optionalMs,
});
const spentAtRecord = z.object({ spent_at: z.date() });
const spendIdRecord = z.object({ id: z.union([z.string(), z.number()]) });

/** The origin's row, locked until the transaction ends; created when missing, so there is always one to lock. */
async function lockRow(db: PoolClient, origin: string): Promise<RateBudgetRow> {
  const lock = () => db.query('SELECT * FROM rate_budgets WHERE origin = $1 FOR UPDATE', [origin]);
  let locked = await lock();
  if (locked.rows.length === 0) {
    await db.query('INSERT INTO rate_budgets (origin) VALUES ($1) ON CONFLICT (origin) DO NOTHING', [origin]);
    locked = await lock();
  }
  const r = budgetRecord.parse(single(locked, 'the rate budget'));
  return {
    blockedUntil: r.blocked_until,
    loweredLimit: r.lowered_limit,
    loweredUntil: r.lowered_until,
    lowerings: r.lowerings,
    deliveryWaitingUntil: r.delivery_waiting_until,
    probeWaitingUntil: r.probe_waiting_until,
  };
}

async function writeRow(db: PoolClient, origin: string, row: RateBudgetRow): Promise<void> {
  const at = (ms: number | undefined) => (ms === undefined ? null : new Date(ms));
  await db.query(
    `UPDATE rate_budgets SET blocked_until = $2, lowered_limit = $3, lowered_until = $4, lowerings = $5,
       delivery_waiting_until = $6, probe_waiting_until = $7
     WHERE origin = $1`,
    [
      origin,
      at(row.blockedUntil),
      row.loweredLimit ?? null,
      at(row.loweredUntil),
      row.lowerings,
      at(row.deliveryWaitingUntil),
      at(row.probeWaitingUntil),
    ],
  );
}

/**
 * The spends in the window, counted after the row lock was taken (a statement of its own: under READ COMMITTED it
 * sees what the take before committed). With `forget`, spends older than that are deleted in the same statement
 * (they are out of the window: the count is the same either way).
 */
async function countWindow(db: PoolClient, window: BudgetWindow, forget?: number): Promise<WindowCounts> {
  return windowCountsOf(
    single(
      await db.query(
        `${forget === undefined ? '' : 'WITH forgotten AS (DELETE FROM rate_budget_spends WHERE origin = $1 AND spent_at <= $3) '}
         SELECT count(*)::int AS total, count(*) FILTER (WHERE purpose = 'delivery')::int AS delivery,
           count(*) FILTER (WHERE purpose = 'probe')::int AS probe,
           count(*) FILTER (WHERE purpose = 'sync')::int AS sync, count(*) FILTER (WHERE refused)::int AS refused
         FROM rate_budget_spends WHERE origin = $1 AND spent_at > $2`,
        [window.origin, new Date(windowStart(window)), ...(forget === undefined ? [] : [new Date(forget)])],
      ),
      'the window count',
    ),
  );
}

async function spentAt(db: PoolClient, window: BudgetWindow, leaving: LeavingSpend): Promise<number | undefined> {
  const { rows } = await db.query(
    `SELECT spent_at FROM rate_budget_spends
     WHERE origin = $1 AND spent_at > $2 AND ($3 = 'all' OR purpose = $3)
     ORDER BY spent_at, id LIMIT 1 OFFSET $4`,
    [window.origin, new Date(windowStart(window)), leaving.purpose, leaving.offset],
  );
  const [row] = rows;
  return row === undefined ? undefined : spentAtRecord.parse(row).spent_at.getTime();
}

export function postgresRateBudgetStore({ pool, transaction }: PostgresConnection): RateBudgetStore {
  return {
    async takeFromRateBudget(asked) {
      return transaction(async (db) => {
        // Every replica's take waits for the row lock of the one before it, and counts what that one spent.
        const row = await lockRow(db, asked.origin);
        const request = asked.clock === undefined ? asked : { ...asked, now: asked.clock() };
        const plan = planTake(row, await countWindow(db, request, forgetBefore(request)), request);
        if (plan.kind === 'take') {
          const inserted = await db.query(
            'INSERT INTO rate_budget_spends (origin, spent_at, purpose) VALUES ($1, $2, $3) RETURNING id',
            [request.origin, request.now, request.purpose],
          );
          const { id } = spendIdRecord.parse(single(inserted, 'the new spend'));
          return { taken: true as const, spendId: String(id) };
        }
        const leaving: number[] = [];
        for (const spend of plan.leaving) {
          const at = await spentAt(db, request, spend);
          if (at !== undefined) leaving.push(at);
        }
        const retryAt = retryAtOf(plan, leaving, row, request);
        await writeRow(db, request.origin, markWaiting(row, request.purpose, retryAt, request.windowMs));
        return { taken: false as const, retryAt: new Date(retryAt) };
      });
    },

    async recordRateLimited(request) {
      await transaction(async (db) => {
        const row = await lockRow(db, request.origin);
        await db.query(
          `UPDATE rate_budget_spends SET refused = true WHERE id = (
             SELECT id FROM rate_budget_spends WHERE origin = $1 AND spent_at > $2 AND NOT refused
             ORDER BY spent_at DESC, id DESC LIMIT 1)`,
          [request.origin, new Date(windowStart(request))],
        );
        await writeRow(db, request.origin, lowerAfterRateLimited(row, await countWindow(db, request), request));
      });
    },

    async restampRateBudgetSpends(request) {
      if (request.spends.length === 0) return;
      await pool.query(
        `UPDATE rate_budget_spends AS s SET spent_at = GREATEST(s.spent_at, v.at)
         FROM unnest($2::bigint[], $3::timestamptz[]) AS v(id, at)
         WHERE s.id = v.id AND s.origin = $1`,
        [request.origin, request.spends.map((spend) => spend.id), request.spends.map((spend) => spend.at)],
      );
    },

    async readRateBudget(request) {
      return transaction(async (db) => {
        const { rows } = await db.query('SELECT * FROM rate_budgets WHERE origin = $1', [request.origin]);
        const r = rows[0] === undefined ? undefined : budgetRecord.parse(rows[0]);
        const row: RateBudgetRow | undefined =
          r === undefined
            ? undefined
            : {
                blockedUntil: r.blocked_until,
                loweredLimit: r.lowered_limit,
                loweredUntil: r.lowered_until,
                lowerings: r.lowerings,
              };
        const counts = await countWindow(db, request);
        const limit = limitInForce(row, request);
        const inTheWay =
          counts.total >= limit
            ? await spentAt(db, request, { purpose: 'all', offset: counts.total - limit })
            : undefined;
        return stateOf(row, counts, request, inTheWay);
      }, 'snapshot');
    },
  };
}
