-- Status and CSTA session tokens (the Status Push login sequence), shared by every node so a
-- session opened on one works on any other. Neither token is stored: `token_hash` is the SHA-256
-- hex of the session token, `access_token_hash` that of the access token it is bound to (and
-- re-authenticated through on every use, so revoking that token ends the session).
-- Times are milliseconds since the Unix epoch (UTC), as everywhere in the store.
CREATE TABLE csta_sessions (
    token_hash        TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('status', 'csta')),
    access_token_hash TEXT NOT NULL,
    subject           TEXT NOT NULL,
    expires_at        BIGINT NOT NULL,
    created_at        BIGINT NOT NULL
);
-- The purger deletes the sessions expired before a cutoff.
CREATE INDEX csta_sessions_expires_at ON csta_sessions (expires_at);
