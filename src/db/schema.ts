import type { EventStoreTables } from './tables/eventStoreTables.ts';
import type { InvoicingTables } from './tables/invoicingTables.ts';
import type { BusTables } from './tables/busTables.ts';
import type { LedgerTables } from './tables/ledgerTables.ts';
import type { SubscriberTables } from './tables/subscriberTables.ts';
import type { FeedTables } from './tables/feedTables.ts';
import type { WebhookTables } from './tables/webhookTables.ts';

/** Every table accrue owns, as Kysely sees it. One file per capability. */
export interface Database extends EventStoreTables, InvoicingTables, BusTables, LedgerTables, SubscriberTables, FeedTables, WebhookTables {}
