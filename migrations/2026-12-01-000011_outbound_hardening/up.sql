-- Outbound hardening (issue 13): webhook subscriptions can be deleted, which cancels
-- their pending deliveries and forgets their signing secret; the relay leases a few
-- deliveries per subscription at a time, so it needs them by subscription.

-- A deleted subscription is inactive and keeps no secret; its history stays.
ALTER TABLE webhook_subscriptions
    ALTER COLUMN secret_enc DROP NOT NULL,
    ADD CONSTRAINT webhook_subscriptions_secret_while_active CHECK (active = (secret_enc IS NOT NULL));

ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
    CHECK (status IN ('PENDING', 'DELIVERED', 'DEAD', 'CANCELLED'));

-- Due deliveries per subscription, in order (the relay's per-subscription lease).
CREATE INDEX webhook_deliveries_subscription_due_idx
    ON webhook_deliveries (subscription_id, next_attempt_at, id) WHERE status = 'PENDING';

-- What a subscriber sees of a failed delivery is one generic class (the detail is in
-- the server log and webhook_attempts): the old detailed values go too.
UPDATE webhook_deliveries SET last_error = 'delivery failed' WHERE last_error IS NOT NULL;
