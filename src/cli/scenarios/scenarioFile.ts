import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import { zodIssues } from '../../events/envelope.ts';
import { isoDay, isoMonth } from '../../events/primitives.ts';

/** One operation of a scenario (FORMAT.json eventShape), in delivery order. */
export const scenarioOperation = z.union([
  z
    .object({
      type: z.literal('PeriodClosed'),
      eventId: z.string().min(1).optional(),
      occurredAt: isoDay.optional(),
      data: z.object({ period: isoMonth }).loose(),
    })
    .loose(),
  z
    .object({
      eventId: z.string().min(1),
      type: z.string().min(1),
      occurredAt: isoDay,
      invoiceId: z.string().min(1),
      version: z.number().int().min(1).optional(),
      data: z.record(z.string(), z.unknown()),
    })
    .loose(),
]);
export type ScenarioOperation = z.infer<typeof scenarioOperation>;
export type InvoiceOperation = Exclude<ScenarioOperation, { type: 'PeriodClosed' }>;

export const scenarioFile = z
  .object({
    id: z.string().min(1),
    title: z.string().optional(),
    operations: z.array(scenarioOperation),
    expected: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export type Scenario = z.infer<typeof scenarioFile> & { file: string };

export function isPeriodClose(op: ScenarioOperation): op is Extract<ScenarioOperation, { type: 'PeriodClosed' }> {
  return op.type === 'PeriodClosed';
}

export async function readScenario(file: string): Promise<Scenario> {
  const raw: unknown = JSON.parse(await readFile(file, 'utf8'));
  const parsed = scenarioFile.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`${file} is not a scenario`, zodIssues(parsed.error));
  return { ...parsed.data, file };
}

/**
 * A scenario file, or every scenario in a folder (JSON files with `operations`,
 * by name; FORMAT.json and other non-scenario JSON is skipped).
 */
export async function loadScenarios(fileOrFolder: string): Promise<Scenario[]> {
  if (!(await stat(fileOrFolder)).isDirectory()) return [await readScenario(fileOrFolder)];
  const names = (await readdir(fileOrFolder)).filter((n) => n.endsWith('.json')).sort();
  const out: Scenario[] = [];
  for (const name of names) {
    const file = path.join(fileOrFolder, name);
    const raw: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof raw === 'object' && raw !== null && 'operations' in raw) out.push(await readScenario(file));
  }
  return out;
}
