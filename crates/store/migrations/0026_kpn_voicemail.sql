-- The subscriptions a finished business-voicemail order serves: one box per contract, the
-- latest order's (company name, pronunciation and language as ordered).
CREATE TABLE kpn_bvm_subscriptions (
    contract_id               BIGINT PRIMARY KEY REFERENCES kpn_contracts (id),
    org_number                TEXT NOT NULL REFERENCES organizations (org_number),
    order_id                  TEXT NOT NULL,
    company_name              TEXT NOT NULL,
    company_name_pronunciation TEXT NOT NULL,
    voice_language            TEXT NOT NULL,
    voice_mail_message        TEXT NOT NULL,
    activated_at              BIGINT NOT NULL
);
CREATE INDEX kpn_bvm_subscriptions_org ON kpn_bvm_subscriptions (org_number, contract_id);
