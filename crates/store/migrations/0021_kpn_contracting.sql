-- KPN contracting (issue 12): the product catalogue every KPN customer orders from, basket
-- sessions (KPN.md decision 5), templates saved at hierarchy groups, and the customers' pools of
-- free mobile numbers. Portable SQL as in 0001.

-- One node of the product tree: a folder (bs_id 0) or a product; prices in cents.
CREATE TABLE kpn_catalogue_nodes (
    id                BIGINT PRIMARY KEY,
    node_id           TEXT NOT NULL UNIQUE,
    parent_node_id    TEXT,
    position          BIGINT NOT NULL,
    bs_id             BIGINT NOT NULL,
    name_en           TEXT NOT NULL,
    name_nl           TEXT NOT NULL,
    category          TEXT NOT NULL,
    subcategory       TEXT NOT NULL,
    strategy          TEXT NOT NULL,
    required          BIGINT NOT NULL,
    default_selected  BIGINT NOT NULL,
    disabled          BIGINT NOT NULL,
    visible           BIGINT NOT NULL,
    can_order_more    BIGINT NOT NULL,
    hardware          BIGINT NOT NULL,
    main              BIGINT NOT NULL,
    subscription      BIGINT NOT NULL,
    activation_fee    BIGINT NOT NULL,
    hardware_fee      BIGINT NOT NULL,
    copying_levy      BIGINT NOT NULL,
    monthly_fee       BIGINT NOT NULL
);

-- state: the basket (mode, selections, characteristics) as JSON; owner: the caller's actor.
-- ordered_as: the order a committed basket became (the session is closed then).
CREATE TABLE kpn_basket_sessions (
    id          TEXT PRIMARY KEY,
    org_number  TEXT NOT NULL REFERENCES organizations (org_number),
    owner       TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    touched_at  BIGINT NOT NULL,
    ordered_as  TEXT
);
CREATE INDEX kpn_basket_sessions_owner ON kpn_basket_sessions (owner, org_number, touched_at);

-- content: the selections and characteristic defaults as JSON; group_id: where it was saved.
CREATE TABLE kpn_templates (
    id             BIGINT PRIMARY KEY,
    org_number     TEXT NOT NULL REFERENCES organizations (org_number),
    group_id       BIGINT NOT NULL,
    customer_level BIGINT NOT NULL,
    name           TEXT NOT NULL,
    main_category  TEXT NOT NULL,
    content        TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX kpn_templates_org ON kpn_templates (org_number, id);

-- A customer's mobile numbers: free while contract_id is NULL; an order takes one with a
-- conditional update, so no two contracts get the same number.
CREATE TABLE kpn_number_pool (
    id          BIGINT PRIMARY KEY,
    org_number  TEXT NOT NULL REFERENCES organizations (org_number),
    msisdn      TEXT NOT NULL UNIQUE,
    contract_id BIGINT
);
CREATE INDEX kpn_number_pool_free ON kpn_number_pool (org_number, contract_id, msisdn);
