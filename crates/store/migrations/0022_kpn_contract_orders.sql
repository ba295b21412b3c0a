-- A contract's minimum term (months from its start, 0 = none) and monthly fee: the termination
-- fee is the fees of the whole months left in the term. Defaults keep existing inserts working.
ALTER TABLE kpn_contracts ADD COLUMN term_months BIGINT NOT NULL DEFAULT 0;
ALTER TABLE kpn_contracts ADD COLUMN monthly_fee_cents BIGINT NOT NULL DEFAULT 0;

-- An order placed by a token that may not authorise orders: the delay it takes once authorised
-- (its engine due time is HELD_DUE_AT until then), and who authorised it, when.
CREATE TABLE kpn_order_authorizations (
    order_id    TEXT PRIMARY KEY REFERENCES corporate_orders (id),
    seconds     BIGINT NOT NULL,
    approved_by TEXT,
    approved_at BIGINT
);
