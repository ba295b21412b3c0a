-- The partner platform: organisations, partners, applications, credentials, system users,
-- agreements and Connect services, tokens, the SMS outbox, the audit log, quotas and settings.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL. Times are epoch milliseconds (BIGINT),
-- flags are 0/1 (BIGINT), lists are comma-separated TEXT.

CREATE TABLE organizations (
    org_number        TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    parent_org_number TEXT REFERENCES organizations (org_number),
    created_at        BIGINT NOT NULL
);

CREATE TABLE partners (
    id         TEXT PRIMARY KEY,
    org_number TEXT NOT NULL UNIQUE REFERENCES organizations (org_number),
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE administrators (
    id          TEXT PRIMARY KEY,
    org_number  TEXT NOT NULL REFERENCES organizations (org_number),
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    super_admin BIGINT NOT NULL,
    rights      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (org_number, email)
);

CREATE TABLE applications (
    id                 TEXT PRIMARY KEY,
    partner_id         TEXT NOT NULL REFERENCES partners (id),
    name               TEXT NOT NULL,
    kind               TEXT NOT NULL,
    products           TEXT NOT NULL,
    billing_account    TEXT,
    owner              TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    verification       TEXT NOT NULL,
    pilot_id           TEXT REFERENCES applications (id),
    kpn_customer       TEXT REFERENCES organizations (org_number),
    basic_auth_allowed BIGINT NOT NULL,
    deleted_at         BIGINT
);
CREATE INDEX applications_partner ON applications (partner_id);

CREATE TABLE client_credentials (
    client_id   TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL REFERENCES applications (id),
    secret_hash TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX client_credentials_app ON client_credentials (app_id);

CREATE TABLE agreements (
    id                     TEXT PRIMARY KEY,
    org_number             TEXT NOT NULL REFERENCES organizations (org_number),
    category               TEXT NOT NULL,
    valid_from             TEXT NOT NULL,
    valid_to               TEXT,
    status                 TEXT NOT NULL,
    internal_number_length BIGINT NOT NULL
);
CREATE INDEX agreements_org ON agreements (org_number);

CREATE TABLE connect_services (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    app_id     TEXT NOT NULL REFERENCES applications (id),
    created_at BIGINT NOT NULL
);

-- A Connect product on an agreement: the partner's test product (pilot reach) or one of its
-- Connect services (production reach).
CREATE TABLE agreement_connect_products (
    agreement_id       TEXT NOT NULL REFERENCES agreements (id),
    partner_id         TEXT NOT NULL REFERENCES partners (id),
    product            TEXT NOT NULL,
    connect_service_id TEXT REFERENCES connect_services (id),
    added_at           BIGINT NOT NULL,
    PRIMARY KEY (agreement_id, partner_id, product)
);

CREATE TABLE system_users (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    partner_id      TEXT NOT NULL REFERENCES partners (id),
    agreement_id    TEXT NOT NULL REFERENCES agreements (id),
    contact_name    TEXT NOT NULL,
    contact_mobile  TEXT NOT NULL,
    contact_email   TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    password_set_at BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE TABLE system_user_grants (
    system_user_id TEXT NOT NULL REFERENCES system_users (id),
    kind           TEXT NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (system_user_id, kind, value)
);

-- People of a customer's enterprise; end users log in with their mobile number.
CREATE TABLE members (
    id            TEXT PRIMARY KEY,
    org_number    TEXT NOT NULL REFERENCES organizations (org_number),
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    mobile        TEXT NOT NULL UNIQUE,
    email         TEXT NOT NULL,
    password_hash TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX members_org ON members (org_number);

-- Access and refresh tokens, stored by SHA-256 of the token. A family links a refresh chain and
-- the access tokens issued from it, so logout revokes them together.
CREATE TABLE tokens (
    token_hash     TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    family         TEXT NOT NULL,
    app_id         TEXT NOT NULL REFERENCES applications (id),
    client_id      TEXT NOT NULL,
    system_user_id TEXT REFERENCES system_users (id),
    member_id      TEXT REFERENCES members (id),
    scope          TEXT NOT NULL,
    issued_at      BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    revoked_at     BIGINT
);
CREATE INDEX tokens_family ON tokens (family);
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE authorization_codes (
    code_hash    TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL REFERENCES applications (id),
    client_id    TEXT NOT NULL,
    member_id    TEXT NOT NULL REFERENCES members (id),
    redirect_uri TEXT NOT NULL,
    scope        TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);

CREATE TABLE sms_outbox (
    id        TEXT PRIMARY KEY,
    seq       BIGINT NOT NULL,
    recipient TEXT NOT NULL,
    text      TEXT NOT NULL,
    sent_at   BIGINT NOT NULL
);
CREATE INDEX sms_outbox_order ON sms_outbox (sent_at, seq);

CREATE TABLE audit_log (
    id     TEXT PRIMARY KEY,
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Requests counted per application and minute window, shared by every node.
CREATE TABLE quota_usage (
    app_id       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    used         BIGINT NOT NULL,
    PRIMARY KEY (app_id, window_start)
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
