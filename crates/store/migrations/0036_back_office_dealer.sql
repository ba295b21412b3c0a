-- The operator's back office and the dealer ordering system (issue 14).
-- Portable SQL as in 0001: epoch milliseconds, 0/1 flags, dates as ISO TEXT (yyyy-mm-dd).

-- The operator's answer to a verification request that is not (yet) an approval: a request for
-- documentation or for a meeting, with a message the partner reads on its application.
CREATE TABLE verification_answers (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL REFERENCES applications (id),
    kind        TEXT NOT NULL,
    message     TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    answered_at BIGINT NOT NULL
);
CREATE INDEX verification_answers_app ON verification_answers (app_id, answered_at);

-- What the dealer's customer page shows of a business customer beyond its organisation: the
-- segment and the operator's account manager. A customer without a row is shown without them.
CREATE TABLE customer_profiles (
    org_number            TEXT PRIMARY KEY REFERENCES organizations (org_number),
    segment               TEXT NOT NULL,
    account_manager_name  TEXT,
    account_manager_email TEXT,
    account_manager_phone TEXT
);

-- What a dealer searches and counts on a subscription: the handset's IMEI, the user's birth
-- date, a binding period, prepaid or postpaid, and whether it is still being ordered.
-- Existing subscriptions are postpaid, without binding and delivered.
ALTER TABLE mobile_subscriptions ADD COLUMN imei TEXT;
ALTER TABLE mobile_subscriptions ADD COLUMN birth_date TEXT;
ALTER TABLE mobile_subscriptions ADD COLUMN binding_until TEXT;
ALTER TABLE mobile_subscriptions ADD COLUMN payment TEXT NOT NULL DEFAULT 'POSTPAID';
ALTER TABLE mobile_subscriptions ADD COLUMN in_order BIGINT NOT NULL DEFAULT 0;
CREATE INDEX mobile_subscriptions_imei ON mobile_subscriptions (imei);
CREATE INDEX mobile_subscriptions_birth_date ON mobile_subscriptions (birth_date);

-- The back office filters the audit log by actor, action and target, newest first.
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_target ON audit_log (target, at);
