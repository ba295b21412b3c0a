-- Webhooks from a persistent outbox, delivered by whichever node claims them.
-- Times are milliseconds since the Unix epoch (UTC), as everywhere in the store.

-- Where one monitor's webhooks go and the key they are signed with: stored once per monitor and
-- referenced by its deliveries, because monitors themselves live in a node's memory and any node
-- must be able to sign. `ended_at` is set with the monitor's last event; the row is purged once
-- the monitor has ended and none of its deliveries is left.
CREATE TABLE webhook_targets (
    monitor_id TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    ended_at   BIGINT
);

-- One row per (monitor, event): `id` is the event's `eventId` (the `webhook-id` of every attempt),
-- `body` the exact JSON POSTed. A row is pending until `delivered_at` or `gave_up_at` is set; a
-- node works on it only while it holds the claim (`claimed_by` until `claimed_until`).
CREATE TABLE webhook_outbox (
    id              TEXT PRIMARY KEY,
    monitor_id      TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    url             TEXT NOT NULL,
    body            TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_by      TEXT,
    claimed_until   BIGINT,
    delivered_at    BIGINT,
    gave_up_at      BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    UNIQUE (monitor_id, seq)
);
-- The pending rows of each monitor in seq order: the head of each is what a claim looks for.
CREATE INDEX webhook_outbox_pending ON webhook_outbox (monitor_id, seq)
    WHERE delivered_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND gave_up_at IS NULL;
