-- KPN finances and hardware (issue 13): invoices with the lines they were computed from, Apple
-- DEP / Samsung Knox enrolments and hardware returns of delivered orders, and the attachments
-- of service requests (a return's label). Portable SQL as in 0001.

-- An invoice of a debtor; debtor_name as issued (an invoice is a document). Amounts in cents:
-- total_cents = subtotal_cents + vat_cents, subtotal_cents = the sum of its lines.
CREATE TABLE kpn_invoices (
    id              BIGINT PRIMARY KEY,
    org_number      TEXT NOT NULL REFERENCES organizations (org_number),
    debtor_id       BIGINT NOT NULL,
    debtor_name     TEXT NOT NULL,
    number          TEXT NOT NULL UNIQUE,
    invoice_type    TEXT NOT NULL,
    issued_at       BIGINT NOT NULL,
    pay_before      BIGINT NOT NULL,
    period_from     BIGINT NOT NULL,
    period_to       BIGINT NOT NULL,
    subtotal_cents  BIGINT NOT NULL,
    vat_cents       BIGINT NOT NULL,
    total_cents     BIGINT NOT NULL
);
CREATE INDEX kpn_invoices_org ON kpn_invoices (org_number, issued_at);

-- price_kind MONTHLY (a recurring fee for the period) or ONE_TIME.
CREATE TABLE kpn_invoice_lines (
    invoice_id    BIGINT NOT NULL REFERENCES kpn_invoices (id),
    position      BIGINT NOT NULL,
    description   TEXT NOT NULL,
    price_kind    TEXT NOT NULL,
    amount_cents  BIGINT NOT NULL,
    PRIMARY KEY (invoice_id, position)
);

-- A debtor's customer ids at Apple (Device Enrollment Program) and Samsung (Knox).
CREATE TABLE kpn_debtor_enrolment_ids (
    debtor_id        BIGINT PRIMARY KEY,
    apple_dep_id     TEXT,
    samsung_knox_id  TEXT
);

-- program APPLE_DEP or SAMSUNG_KNOX; one enrolment per delivered order and program, made by
-- the finished order order_id.
CREATE TABLE kpn_hardware_enrolments (
    delivered_order_id  TEXT NOT NULL REFERENCES corporate_orders (id),
    program             TEXT NOT NULL,
    order_id            TEXT NOT NULL REFERENCES corporate_orders (id),
    enrolled_at         BIGINT NOT NULL,
    PRIMARY KEY (delivered_order_id, program)
);

-- The contract items a return service request (order_id) sends back from a delivered order.
CREATE TABLE kpn_hardware_returns (
    order_id            TEXT NOT NULL REFERENCES corporate_orders (id),
    delivered_order_id  TEXT NOT NULL REFERENCES corporate_orders (id),
    item_id             BIGINT NOT NULL,
    PRIMARY KEY (order_id, item_id)
);
CREATE INDEX kpn_hardware_returns_delivered ON kpn_hardware_returns (delivered_order_id);

-- A file attached to a service request; its content is rendered from the request when read.
CREATE TABLE kpn_attachments (
    id            BIGINT PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES corporate_orders (id),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL
);
CREATE INDEX kpn_attachments_order ON kpn_attachments (order_id);
