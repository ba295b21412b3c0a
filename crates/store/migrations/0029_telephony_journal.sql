-- The telephony journal: each enterprise engine's owner records every accepted input (and every
-- tick) here, in the transaction fenced by its lease epoch, before it publishes the input's
-- events and answers; now and then it stores the engine's whole state as a snapshot. A new owner
-- restores the snapshot and replays the entries after it. Times are milliseconds since the Unix
-- epoch (UTC), as everywhere in the store.

-- One row per step of an engine, numbered by `seq` (1, 2, … per enterprise). `kind` is 'input'
-- (with `input`, the JSON of the engine input, and `outcome`, the JSON of the answer) or 'tick'.
-- `event_key` is the last event ordering key once the entry's events are published. A caller's
-- `idempotency_key` is unique per enterprise, so a retried request finds its first answer.
CREATE TABLE telephony_journal (
    enterprise_id   TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    epoch           BIGINT NOT NULL,
    node_id         TEXT NOT NULL,
    at              BIGINT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('input', 'tick', 'monitor')),
    input           TEXT,
    idempotency_key TEXT,
    outcome         TEXT,
    event_key       BIGINT NOT NULL,
    recorded_at     BIGINT NOT NULL,
    PRIMARY KEY (enterprise_id, seq)
);
CREATE UNIQUE INDEX telephony_journal_idempotency
    ON telephony_journal (enterprise_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- The latest snapshot of each enterprise's engine: `state` is its JSON, taken after the journal
-- entry `seq` (replay starts after it). Replaced only by a snapshot of a later `seq`.
CREATE TABLE telephony_snapshots (
    enterprise_id TEXT PRIMARY KEY,
    seq           BIGINT NOT NULL,
    epoch         BIGINT NOT NULL,
    node_id       TEXT NOT NULL,
    state         TEXT NOT NULL,
    event_origin  BIGINT NOT NULL,
    event_key     BIGINT NOT NULL,
    taken_at      BIGINT NOT NULL
);
