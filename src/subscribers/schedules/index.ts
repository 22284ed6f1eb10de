import type { Config } from '../../config.ts';
import type { ScheduledTask } from '../../bus/contract/subscriber.ts';
import { overdueDetectionSchedule } from './overdueDetectionSchedule.ts';

export { detectOverdueInvoices, detectOverdueInvoicesInTransaction } from './detectOverdueInvoices.ts';
export { overdueDetectionSchedule, OVERDUE_DETECTION_QUEUE } from './overdueDetectionSchedule.ts';

/** The recurring jobs of no subscriber, for the worker to register (runScheduledTasks, as `extra`). */
export function buildSchedules(config: Config): ScheduledTask[] {
  return [overdueDetectionSchedule(config)];
}
