import type { Config } from '../config.ts';
import { connect } from '../db/connect.ts';
import { revenueSubscriber } from '../subscribers/revenue/index.ts';
import { buildSchedules } from '../subscribers/schedules/index.ts';
import { buildSubscribers } from '../subscribers/index.ts';
import type { ScheduledTask, Subscriber } from '../bus/contract/subscriber.ts';

export type SubscriberRegistry = {
  /** Every subscriber the service runs: relay routes, worker queues, replay and rebuild targets. */
  subscribers: Subscriber[];
  /** Clock-driven work that belongs to no subscriber (overdue detection). */
  schedules: ScheduledTask[];
  close(): Promise<void>;
};

/**
 * The one list of subscribers, built from config: revenue, notifications,
 * analytics and webhooks (with its delivery queue). Circuit-breaker state is
 * written outside the job transactions (which roll back on failure), on a small
 * pool of its own that connects only when a breaker is used.
 */
export function buildSubscriberRegistry(config: Config, url: string): SubscriberRegistry {
  const breakerPool = connect(url, { max: 2, applicationName: 'accrue-breakers' });
  const subscribers = [revenueSubscriber, ...buildSubscribers(config, { breakerDb: breakerPool.db })];
  return {
    subscribers,
    schedules: buildSchedules(config, subscribers),
    close: () => breakerPool.close(),
  };
}

export function findSubscriber(name: string, subscribers: readonly Subscriber[]): Subscriber | undefined {
  return subscribers.find((s) => s.name === name);
}
