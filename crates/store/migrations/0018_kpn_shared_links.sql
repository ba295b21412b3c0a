-- The billing account a KPN debtor stands for and the directory group a cost centre stands for
-- (kpn::shared), so members and subscriptions that the organisation gets later are placed below
-- the debtors and cost centres made before instead of new ones. Existing links are found by the
-- name and number the link gave them ("<organisation> <account>", "<debtor id>-<group id>").
ALTER TABLE kpn_items ADD COLUMN account_id TEXT;
ALTER TABLE kpn_items ADD COLUMN directory_group_id TEXT;
UPDATE kpn_items SET account_id = (
    SELECT a.id FROM corporate_accounts a JOIN organizations o ON o.org_number = a.owner_org
    WHERE a.owner_org = kpn_items.org_number AND kpn_items.name = o.name || ' ' || a.id)
WHERE kind = 'DEBTOR';
UPDATE kpn_items SET directory_group_id = (
    SELECT g.id FROM enterprise_groups g
    WHERE kpn_items.cost_center_number = CAST(kpn_items.debtor_id AS TEXT) || '-' || g.id)
WHERE kind = 'COST_CENTER' AND debtor_id IS NOT NULL;
CREATE INDEX kpn_items_account ON kpn_items (org_number, account_id);
