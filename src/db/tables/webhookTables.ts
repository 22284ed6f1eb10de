import type { ColumnType, Generated } from 'kysely';

// Webhook endpoints, their deliveries and each delivery's attempts: migration 100.
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type WebhookDeliveryStatus = 'pending' | 'sending' | 'succeeded' | 'failed';

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  /** null: every event type ('*'). */
  event_types: string[] | null;
  description: Generated<string>;
  enabled: Generated<boolean>;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  from_config: Generated<boolean>;
  failing_since: Date | null;
  disabled_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Date | null;
}

export interface WebhookEndpointDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: ColumnType<WebhookDeliveryStatus, WebhookDeliveryStatus | undefined, WebhookDeliveryStatus>;
  attempts: Generated<number>;
  lease_until: Date | null;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookDeliveryAttemptsTable {
  delivery_id: string;
  attempt: number;
  started_at: Date;
  status_code: number | null;
  latency_ms: number;
  response_body: string | null;
  error: string | null;
}

export interface WebhookTables {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_endpoint_deliveries: WebhookEndpointDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
}
