-- KPN delivery addresses (`/address/…`): a customer's general addresses (owner NULL) and the
-- personal ones of one caller (owner = the caller's key, `client:<client_id>`; a portal user's
-- `user:<id>` later). Ids from the counter `kpn-address`. Portable SQL as in 0001.

CREATE TABLE kpn_addresses (
    id           BIGINT PRIMARY KEY,
    org_number   TEXT NOT NULL REFERENCES organizations (org_number),
    owner        TEXT,
    address_name TEXT,
    attention    TEXT,
    city         TEXT NOT NULL,
    company_name TEXT NOT NULL,
    country      TEXT NOT NULL,
    floor        TEXT,
    house_number TEXT NOT NULL,
    location     TEXT,
    postal_code  TEXT NOT NULL,
    room         TEXT,
    street       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX kpn_addresses_org ON kpn_addresses (org_number, owner, id);
