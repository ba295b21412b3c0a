-- The shared domain under the KPN tree (KPN.md "One domain under both operators' dialects"): a
-- subscriber of an organisation with MBN members is one of those members (member_id; the
-- KPN-only fields stay on the item, the shared ones are written to both rows in one
-- transaction), and a contract made from one of its mobile subscriptions names it
-- (subscription_msisdn).
ALTER TABLE kpn_items ADD COLUMN member_id TEXT REFERENCES members (id);
CREATE UNIQUE INDEX kpn_items_member ON kpn_items (member_id);
ALTER TABLE kpn_contracts ADD COLUMN subscription_msisdn TEXT
    REFERENCES mobile_subscriptions (msisdn);
CREATE UNIQUE INDEX kpn_contracts_subscription ON kpn_contracts (subscription_msisdn);
