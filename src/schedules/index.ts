import type { Config } from '../config.ts';
import { overdueDetectionSchedule, type ScheduledTask } from './overdueDetectionSchedule.ts';

export { registerSchedules } from './registerSchedules.ts';
export { detectOverdueInvoices, detectOverdueInvoicesInTransaction } from './detectOverdueInvoices.ts';
export { overdueDetectionSchedule, OVERDUE_DETECTION_QUEUE, type ScheduledTask } from './overdueDetectionSchedule.ts';

/** Every recurring job of accrue, for the worker to register (registerSchedules). */
export function buildSchedules(config: Config): ScheduledTask[] {
  return [overdueDetectionSchedule(config)];
}
