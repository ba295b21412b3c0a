-- The KPN Mobile Service Management world of an organisation (KPN.md): the customer's settings,
-- its hierarchy (the CUSTOMER item, debtors, cost centres, custom groups and subscribers share
-- one id space), contracts, the KPN side of orders of the shared order engine
-- (corporate_orders), and the privileges of KPN applications. Portable SQL as in 0001.

CREATE TABLE kpn_customers (
    org_number               TEXT PRIMARY KEY REFERENCES organizations (org_number),
    item_id                  BIGINT NOT NULL UNIQUE,
    order_frozen             BIGINT NOT NULL,
    krn_number               TEXT,
    ckr_number               TEXT,
    billing_retention_period TEXT NOT NULL
);

-- debtor_id: the debtor on the item's path (the item itself for a debtor), kept on moves; it
-- gives the DEBTORNAME filter and the rule that only subscribers move between debtors.
-- name: a group's name, or a subscriber's "surname, firstName".
CREATE TABLE kpn_items (
    id                 BIGINT PRIMARY KEY,
    org_number         TEXT NOT NULL REFERENCES organizations (org_number),
    kind               TEXT NOT NULL,
    parent_id          BIGINT,
    debtor_id          BIGINT,
    name               TEXT NOT NULL,
    cost_center_number TEXT,
    first_name         TEXT,
    surname_prefix     TEXT,
    surname            TEXT,
    email              TEXT,
    vip                BIGINT NOT NULL,
    employee_number    TEXT,
    gender             TEXT,
    preferred_language TEXT,
    comments           TEXT,
    mobile_number      TEXT,
    fixed_number       TEXT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX kpn_items_parent ON kpn_items (parent_id, kind, id);
CREATE INDEX kpn_items_org ON kpn_items (org_number, kind, id);
CREATE UNIQUE INDEX kpn_items_cost_center ON kpn_items (org_number, cost_center_number);

-- items: the contract item tree as JSON.
CREATE TABLE kpn_contracts (
    id                BIGINT PRIMARY KEY,
    org_number        TEXT NOT NULL REFERENCES organizations (org_number),
    owner_id          BIGINT NOT NULL,
    category          TEXT NOT NULL,
    product_category  TEXT NOT NULL,
    product_en        TEXT NOT NULL,
    product_nl        TEXT NOT NULL,
    state             TEXT NOT NULL,
    mobile_number     TEXT,
    fixed_number      TEXT,
    sim_card_number   TEXT,
    imei              TEXT,
    extension         TEXT,
    sip_account       TEXT,
    tariff_plan       TEXT,
    pin               TEXT,
    puk               TEXT,
    start_at          BIGINT NOT NULL,
    status_changed_at BIGINT NOT NULL,
    items             TEXT NOT NULL
);
CREATE INDEX kpn_contracts_org ON kpn_contracts (org_number, id);
CREATE INDEX kpn_contracts_owner ON kpn_contracts (owner_id, id);

-- receiver and change as JSON; request_kind ORDER or SERVICE_REQUEST.
CREATE TABLE kpn_orders (
    order_id         TEXT PRIMARY KEY REFERENCES corporate_orders (id),
    org_number       TEXT NOT NULL REFERENCES organizations (org_number),
    request_kind     TEXT NOT NULL,
    reference_number TEXT NOT NULL,
    kpn_reference    TEXT NOT NULL,
    context_name     TEXT NOT NULL,
    ordered_by       TEXT NOT NULL,
    receiver         TEXT NOT NULL,
    msisdn           TEXT,
    sim              TEXT,
    starts_at        BIGINT NOT NULL,
    change           TEXT NOT NULL,
    note             TEXT
);
CREATE INDEX kpn_orders_org ON kpn_orders (org_number, request_kind, order_id);

-- The privileges a KPN application's tokens carry; an application without a row has them all.
CREATE TABLE kpn_privileges (
    app_id     TEXT PRIMARY KEY REFERENCES applications (id),
    privileges TEXT NOT NULL
);
