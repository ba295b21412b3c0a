-- The corporate customer's world behind the Telenor Info/Order APIs: address cards, invoice
-- accounts, ordered agreement products, mobile subscriptions with their add-ons, and orders.
-- Portable SQL as in 0001: epoch milliseconds, 0/1 flags, JSON as TEXT.

-- Named counters for numbers handed out in order (account ids, order ids, product ids).
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE address_cards (
    id             TEXT PRIMARY KEY,
    org_number     TEXT NOT NULL REFERENCES organizations (org_number),
    street_name    TEXT NOT NULL,
    street_address TEXT NOT NULL,
    entrance_code  TEXT,
    postal_code    TEXT NOT NULL,
    postal_place   TEXT NOT NULL,
    invoice_format TEXT NOT NULL
);
CREATE INDEX address_cards_org ON address_cards (org_number);

CREATE TABLE corporate_accounts (
    id              TEXT PRIMARY KEY,
    owner_org       TEXT NOT NULL REFERENCES organizations (org_number),
    payer_org       TEXT REFERENCES organizations (org_number),
    payer_first     TEXT,
    payer_middle    TEXT,
    payer_last      TEXT,
    reference1      TEXT,
    reference2      TEXT,
    reference3      TEXT,
    address_card_id TEXT REFERENCES address_cards (id),
    street_name     TEXT NOT NULL,
    street_address  TEXT NOT NULL,
    entrance_code   TEXT,
    postal_code     TEXT NOT NULL,
    postal_place    TEXT NOT NULL,
    invoice_format  TEXT NOT NULL,
    status          TEXT NOT NULL,
    account_type    TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    activates_at    BIGINT,
    listed_from     BIGINT NOT NULL,
    -- The numeric id, for ordering pages the way people read account numbers.
    id_number       BIGINT NOT NULL
);
CREATE INDEX corporate_accounts_owner ON corporate_accounts (owner_org, id_number);
CREATE INDEX corporate_accounts_listed ON corporate_accounts (listed_from);

CREATE TABLE agreement_products (
    id                 BIGINT PRIMARY KEY,
    agreement_id       TEXT NOT NULL REFERENCES agreements (id),
    offer_id           BIGINT NOT NULL,
    name               TEXT NOT NULL,
    status             TEXT NOT NULL,
    billing_account_id TEXT REFERENCES corporate_accounts (id),
    parent_id          BIGINT REFERENCES agreement_products (id),
    configurations     TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX agreement_products_agreement ON agreement_products (agreement_id, id);

CREATE TABLE mobile_subscriptions (
    msisdn       TEXT PRIMARY KEY,
    org_number   TEXT NOT NULL REFERENCES organizations (org_number),
    account_id   TEXT NOT NULL REFERENCES corporate_accounts (id),
    plan_id      BIGINT NOT NULL,
    status       TEXT NOT NULL,
    first_name   TEXT,
    middle_name  TEXT,
    last_name    TEXT,
    reference1   TEXT,
    reference2   TEXT,
    reference3   TEXT,
    iccid        TEXT NOT NULL UNIQUE,
    activated_at BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX mobile_subscriptions_org ON mobile_subscriptions (org_number, msisdn);
CREATE INDEX mobile_subscriptions_account ON mobile_subscriptions (account_id, msisdn);
CREATE INDEX mobile_subscriptions_updated ON mobile_subscriptions (updated_at, msisdn);

CREATE TABLE subscription_products (
    msisdn     TEXT NOT NULL REFERENCES mobile_subscriptions (msisdn),
    product_id BIGINT NOT NULL,
    added_at   BIGINT NOT NULL,
    PRIMARY KEY (msisdn, product_id)
);
CREATE INDEX subscription_products_product ON subscription_products (product_id, msisdn);

CREATE TABLE corporate_orders (
    id                 TEXT PRIMARY KEY,
    subject_kind       TEXT NOT NULL,
    subject            TEXT NOT NULL,
    org_number         TEXT NOT NULL REFERENCES organizations (org_number),
    order_type         TEXT NOT NULL,
    product_offer_id   BIGINT,
    product_id         BIGINT,
    billing_account_id TEXT,
    configurations     TEXT NOT NULL,
    status             TEXT NOT NULL,
    failure            TEXT,
    created_at         BIGINT NOT NULL,
    due_at             BIGINT NOT NULL,
    completed_at       BIGINT,
    created_by         TEXT NOT NULL
);
CREATE INDEX corporate_orders_due ON corporate_orders (status, due_at);
CREATE INDEX corporate_orders_subject ON corporate_orders (subject_kind, subject);
