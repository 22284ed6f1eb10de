import type { ScenarioActual } from '../../reports/scenarioActual.ts';
import type { InvoiceOperation } from './scenarioFile.ts';

/**
 * How a scenario reaches the books. The production driver posts to the HTTP API
 * and waits for relay, queues and worker; the in-process driver appends the events
 * and calls the revenue subscriber directly. The runner only talks to this.
 */
export type ScenarioDriver = {
  importEvents(ops: readonly InvoiceOperation[]): Promise<void>;
  closePeriod(period: string): Promise<void>;
  waitUntilDrained(): Promise<void>;
  getActual(): Promise<ScenarioActual>;
  close(): Promise<void>;
};

export type ScenarioDriverFactory = (scenarioId: string) => Promise<ScenarioDriver>;
