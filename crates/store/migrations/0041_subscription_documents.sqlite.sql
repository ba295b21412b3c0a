-- Each subscription's summary as the API's object (`SubscriptionSummaryBody` of the Telenor
-- dialect), written by the store from the row after every write of it
-- (store/src/corporate/subscriptions/json.rs), so a search page copies one stored text per row and
-- a point read starts from it. Rows without it (from before this migration, or written by an
-- older node) are written from their columns until `write_missing_documents` runs at start.
ALTER TABLE mobile_subscriptions ADD COLUMN summary_doc TEXT;
CREATE INDEX mobile_subscriptions_undocumented ON mobile_subscriptions (msisdn)
    WHERE summary_doc IS NULL;
-- An update of what the summary shows that does not write it (an older node's) makes it
-- unknown, never stale.
CREATE TRIGGER mobile_subscriptions_doc_follows AFTER UPDATE ON mobile_subscriptions
    WHEN new.summary_doc IS NOT NULL AND new.summary_doc IS old.summary_doc
    AND (new.msisdn, new.account_id, new.org_number, new.status, new.plan_id, new.reference1,
         new.reference2, new.reference3, new.updated_at)
    IS NOT (old.msisdn, old.account_id, old.org_number, old.status, old.plan_id, old.reference1,
         old.reference2, old.reference3, old.updated_at)
BEGIN
    UPDATE mobile_subscriptions SET summary_doc = NULL WHERE msisdn = new.msisdn;
END;
