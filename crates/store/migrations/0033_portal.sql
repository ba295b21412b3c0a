-- The onboarding portal's people and their sessions. A login is an administrator of a business
-- customer or partner (Min Bedrift), an operator user (the back office) or a dealer user (the
-- ordering system). Sessions are kept here so every node knows them; only the SHA-256 of a
-- session id is stored.

CREATE TABLE portal_logins (
    id               TEXT PRIMARY KEY,
    role             TEXT NOT NULL,
    administrator_id TEXT UNIQUE REFERENCES administrators (id),
    org_number       TEXT REFERENCES organizations (org_number),
    name             TEXT NOT NULL,
    email            TEXT NOT NULL UNIQUE,
    mobile           TEXT UNIQUE,
    password_hash    TEXT NOT NULL,
    failed_attempts  BIGINT NOT NULL,
    locked_until     BIGINT,
    last_login_at    BIGINT,
    created_at       BIGINT NOT NULL
);

CREATE TABLE portal_sessions (
    id_hash          TEXT PRIMARY KEY,
    login_id         TEXT NOT NULL REFERENCES portal_logins (id),
    csrf_token       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    authenticated_at BIGINT NOT NULL,
    last_seen_at     BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL
);
CREATE INDEX portal_sessions_login ON portal_sessions (login_id);
CREATE INDEX portal_sessions_expires ON portal_sessions (expires_at);
