-- Who owns a cluster-wide resource (e.g. `telephony:<enterprise id>`, one enterprise's engine):
-- one row per resource, taken over only once expired or released. `epoch` is the fencing token:
-- it grows by one on every change of owner and every write of the owner is conditional on it.
-- Times are milliseconds since the Unix epoch (UTC), as everywhere in the store.
CREATE TABLE cluster_leases (
    resource        TEXT PRIMARY KEY,
    holder          TEXT NOT NULL,
    epoch           BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    acquired_at     BIGINT NOT NULL,
    renewed_at      BIGINT NOT NULL,
    renewals        BIGINT NOT NULL DEFAULT 0,
    released_at     BIGINT,
    previous_holder TEXT,
    taken_over      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX cluster_leases_holder ON cluster_leases (holder, resource);
