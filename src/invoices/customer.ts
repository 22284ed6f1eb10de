import type { Selectable } from 'kysely';
import type { CustomersTable } from '../db/tables/invoicingTables.ts';

export type CustomerRow = Selectable<CustomersTable>;

export function customerResource(row: CustomerRow) {
  return {
    id: row.id,
    version: row.version,
    name: row.name,
    email: row.email,
    externalId: row.external_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
export type CustomerResource = ReturnType<typeof customerResource>;
