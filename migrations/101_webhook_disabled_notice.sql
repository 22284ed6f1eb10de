-- The notifications subscriber also tells the operator when accrue disables a webhook
-- endpoint after continuous failure (WebhookEndpointDisabled). For that notice,
-- invoice_id holds the endpoint id (the aggregate the notice is about) and recipient is
-- NULL (the channel's operator, not a customer).
ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_kind_check;
ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_kind_check
  CHECK (kind IN ('reminder', 'overdue', 'receipt', 'webhook-disabled'));
