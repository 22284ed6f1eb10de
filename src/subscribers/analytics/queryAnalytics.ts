import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';

export type MonthlyAggregate = {
  currency: string;
  month: string;
  invoiced: number;
  collected: number;
  outstanding: number;
  overdue: number;
};

export type AgingBuckets = {
  currency: string;
  current: number;
  days1To30: number;
  days31To60: number;
  days61To90: number;
  over90: number;
  total: number;
};

/** analytics_monthly(asOf) of migration 033, per currency and month, in order. */
export async function getMonthlyAggregates(db: Executor, asOf: string): Promise<MonthlyAggregate[]> {
  const { rows } = await sql<MonthlyAggregate>`
    SELECT trim(currency) AS currency, month, invoiced, collected, outstanding, overdue
    FROM analytics_monthly(${asOf}::date) ORDER BY currency, month
  `.execute(db);
  return rows;
}

/** analytics_aging(asOf) of migration 033: open receivables by days past due, per currency. */
export async function getAgingBuckets(db: Executor, asOf: string): Promise<AgingBuckets[]> {
  const { rows } = await sql<AgingBuckets>`
    SELECT trim(currency) AS currency, current, days_1_30 AS "days1To30", days_31_60 AS "days31To60",
           days_61_90 AS "days61To90", days_over_90 AS "over90", total
    FROM analytics_aging(${asOf}::date) ORDER BY currency
  `.execute(db);
  return rows;
}
