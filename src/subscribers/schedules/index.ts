import type { Config } from '../../config.ts';
import type { ScheduledTask, Subscriber } from '../../bus/contract/subscriber.ts';
import { overdueDetectionSchedule } from './overdueDetectionSchedule.ts';
import { projectionSnapshotSchedule } from './projectionSnapshotSchedule.ts';
import { retentionSchedule } from './retentionSchedule.ts';
import { historyPartitionSchedule } from './historyPartitionSchedule.ts';

export { detectOverdueInvoices, detectOverdueInvoicesInTransaction } from './detectOverdueInvoices.ts';
export { overdueDetectionSchedule, OVERDUE_DETECTION_QUEUE } from './overdueDetectionSchedule.ts';

/** The recurring jobs of no single subscriber, for the worker to register (runScheduledTasks, as `extra`). */
export function buildSchedules(config: Config, subscribers: readonly Subscriber[] = []): ScheduledTask[] {
  return [overdueDetectionSchedule(config), projectionSnapshotSchedule(config, subscribers), retentionSchedule(config), historyPartitionSchedule(config)];
}
