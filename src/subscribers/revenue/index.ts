// What the rest of accrue wires from the revenue capability.
export { revenueSubscriber } from './revenueSubscriber.ts';
export { revenueSchedules, type RevenueSchedule } from './revenueSchedules.ts';
export { runDailyRecognition, type RecognitionRun } from './runDailyRecognition.ts';
export { applyPeriodClose, type PeriodCloseResult } from './applyPeriodClose.ts';
export { applyInvoiceEvent } from './applyInvoiceEvent.ts';
export { postInvoiceEvent, type InvoiceBook, type PostingClock, type PostingResult } from './postInvoiceEvent.ts';
