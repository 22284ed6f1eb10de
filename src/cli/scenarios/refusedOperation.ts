import { AppError, type FieldIssue } from '../../errors.ts';
import { toProblem } from '../../http/problem.ts';

/** An operation the service refused, as the runner reports it: which one, the status and why. */
export type RefusedOperation = { eventId: string; type: string; status: number; detail: string };

/**
 * A driver's refusal of one operation (a 4xx from the API, or the same AppError the
 * in-process path raises before anything is written). runScenario records it and goes
 * on; the scenario then fails naming it. Anything else (a 5xx, a lost connection) is
 * an error of the run, not of the scenario.
 */
export class OperationRefusedError extends Error {
  readonly refused: RefusedOperation;
  constructor(refused: RefusedOperation, options?: ErrorOptions) {
    super(`operation ${refused.eventId} (${refused.type}) refused ${refused.status}: ${refused.detail}`, options);
    this.name = 'OperationRefusedError';
    this.refused = refused;
  }
}

/** The refusal of `op` as the API's problem+json states it (status, detail and the fields named). */
export function refusalFromProblem(op: { eventId?: string; type: string }, problem: { status: number; detail?: string; errors?: FieldIssue[] }): OperationRefusedError {
  const fields = problem.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
  const detail = fields ? `${problem.detail ?? ''} (${fields})` : (problem.detail ?? '');
  return new OperationRefusedError({ eventId: op.eventId ?? op.type, type: op.type, status: problem.status, detail });
}

/** The refusal of `op` when `err` is a user-facing AppError (4xx, mapped as the API maps it), else `err` unchanged. */
export function asRefusal(op: { eventId?: string; type: string }, err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  const { problem } = toProblem(err);
  return problem.status >= 500 ? err : refusalFromProblem(op, problem);
}

export function describeRefusal(r: RefusedOperation): string {
  return `operation ${r.eventId} (${r.type}) refused ${r.status}: ${r.detail}`;
}
