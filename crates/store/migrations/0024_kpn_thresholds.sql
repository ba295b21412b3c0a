-- A customer's usage thresholds (name unique per customer, case-insensitively: name_key is the
-- lower-cased name) and the contracts assigned to them: at most one threshold of a type on a
-- contract (threshold_type is the threshold's, kept here for that rule).
CREATE TABLE kpn_thresholds (
    id             BIGINT PRIMARY KEY,
    org_number     TEXT NOT NULL REFERENCES organizations (org_number),
    name           TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    threshold_type TEXT NOT NULL,
    daily_value    DOUBLE PRECISION NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (org_number, name_key)
);

CREATE TABLE kpn_threshold_contracts (
    threshold_id   BIGINT NOT NULL REFERENCES kpn_thresholds (id),
    contract_id    BIGINT NOT NULL REFERENCES kpn_contracts (id),
    threshold_type TEXT NOT NULL,
    assigned_at    BIGINT NOT NULL,
    PRIMARY KEY (threshold_id, contract_id),
    UNIQUE (contract_id, threshold_type)
);
