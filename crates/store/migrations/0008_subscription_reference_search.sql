-- Searching subscriptions by user reference ("contains, case-insensitive" in any of the three)
-- reads one indexed expression per subscription of the company instead of three per table row.
-- The query in store/src/corporate/subscriptions.rs (REFERENCES_TEXT) must repeat this expression
-- exactly; the newline between the parts keeps a match from spanning two of them.
CREATE INDEX mobile_subscriptions_references ON mobile_subscriptions (org_number,
    (LOWER(COALESCE(reference1, '')) || '
' || LOWER(COALESCE(reference2, '')) || '
' || LOWER(COALESCE(reference3, ''))), msisdn);
