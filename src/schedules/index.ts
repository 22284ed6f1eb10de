import type { Config } from '../config.ts';
import { overdueDetectionSchedule, type ScheduledTask } from './overdueDetectionSchedule.ts';

export { detectOverdueInvoices, detectOverdueInvoicesInTransaction } from './detectOverdueInvoices.ts';
export { overdueDetectionSchedule, OVERDUE_DETECTION_QUEUE, type ScheduledTask } from './overdueDetectionSchedule.ts';

/** The recurring jobs of no subscriber, for the worker to register (runScheduledTasks, as `extra`). */
export function buildSchedules(config: Config): ScheduledTask[] {
  return [overdueDetectionSchedule(config)];
}
