DROP INDEX webhook_deliveries_subscription_due_idx;

UPDATE webhook_deliveries SET status = 'DEAD' WHERE status = 'CANCELLED';
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
    CHECK (status IN ('PENDING', 'DELIVERED', 'DEAD'));

ALTER TABLE webhook_subscriptions DROP CONSTRAINT webhook_subscriptions_secret_while_active;
-- A deleted subscription's secret is gone for good; an empty one opens to nothing.
UPDATE webhook_subscriptions SET secret_enc = '\x' WHERE secret_enc IS NULL;
ALTER TABLE webhook_subscriptions ALTER COLUMN secret_enc SET NOT NULL;
