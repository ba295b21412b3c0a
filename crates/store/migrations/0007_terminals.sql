-- PBX memberline terminals (plan entries of kind memberline point at their number): whose status
-- counts — the network's, from the line's calls, or an application's through the Status API —
-- and the status an application last set. A memberline without a row here is network-updated.
CREATE TABLE memberline_terminals (
    number        TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    member_id     TEXT REFERENCES members (id),
    status_source TEXT NOT NULL,
    status        TEXT,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX memberline_terminals_enterprise ON memberline_terminals (enterprise_id);
