-- An idempotent replay answers the first response whole (issue 12): its status, body
-- and the headers a client acts on (ETag, Location, Cache-Control). Before this the
-- replay lost ETag and Location, so a client retrying a create could not follow it.
-- Rows stored before have NULL here and replay without those headers, as before.
ALTER TABLE idempotency_keys ADD COLUMN response_headers jsonb;
