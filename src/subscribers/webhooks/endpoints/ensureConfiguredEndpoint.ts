import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.ts';
import type { EventContext } from '../../../events/appendEvents.ts';
import { appendEvents } from '../../../events/appendEvents.ts';
import { todayUtc } from '../../../values/dates.ts';
import { createEndpoint } from './manageEndpoints.ts';
import { eventTypesColumn, redactUrl, subscribeEndpointTypes } from './webhookEndpoint.ts';

export type ConfiguredEndpoint = { url: string; secret: string; eventTypes: readonly string[] };

const CONFIG_ACTOR: EventContext = { correlationId: 'config:ACCRUE_WEBHOOK_URL', actor: 'system:config' };

/**
 * ACCRUE_WEBHOOK_URL as an endpoint row (from_config), made or brought in line with
 * the configuration at each worker's start, in one transaction: nothing happens when
 * it already matches, so any number of workers may start at once (the partial unique
 * index lets one create it; the others find it on their retry). Its secret is the
 * configured one. Unsetting the variable leaves the row: delete it through the API.
 */
export async function ensureConfiguredEndpoint(db: Kysely<Database>, configured: ConfiguredEndpoint, now: Date): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute(async (tx) => {
        const row = await tx.selectFrom('webhook_endpoints').selectAll().where('from_config', '=', true).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
        if (!row) {
          const created = await createEndpoint(tx, { url: configured.url, eventTypes: configured.eventTypes, description: 'ACCRUE_WEBHOOK_URL', enabled: true }, CONFIG_ACTOR, now, { fromConfig: true, secret: configured.secret });
          return created.endpoint.id;
        }
        const types = eventTypesColumn(configured.eventTypes);
        const change: Record<string, unknown> = {};
        if (row.url !== configured.url) change.url = redactUrl(configured.url);
        if (JSON.stringify(row.event_types) !== JSON.stringify(types)) change.eventTypes = types ?? '*';
        if (row.secret !== configured.secret) change.secretChanged = true;
        if (Object.keys(change).length === 0) return row.id;
        await tx.updateTable('webhook_endpoints').set({ url: configured.url, event_types: types, secret: configured.secret, updated_at: now }).where('id', '=', row.id).execute();
        await subscribeEndpointTypes(tx, types);
        await appendEvents(tx, [{ type: 'WebhookEndpointUpdated', aggregateId: row.id, occurredAt: todayUtc(now), data: { endpointId: row.id, ...change } }], CONFIG_ACTOR);
        return row.id;
      });
    } catch (err) {
      // Another worker created it between our read and insert.
      if (attempt < 3 && (err as { code?: string }).code === '23505') continue;
      throw err;
    }
  }
}
