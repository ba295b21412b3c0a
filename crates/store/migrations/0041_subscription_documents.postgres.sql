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
CREATE FUNCTION mobile_subscriptions_doc_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.summary_doc IS NOT DISTINCT FROM OLD.summary_doc
        AND (NEW.msisdn, NEW.account_id, NEW.org_number, NEW.status, NEW.plan_id, NEW.reference1,
             NEW.reference2, NEW.reference3, NEW.updated_at)
        IS DISTINCT FROM (OLD.msisdn, OLD.account_id, OLD.org_number, OLD.status, OLD.plan_id,
             OLD.reference1, OLD.reference2, OLD.reference3, OLD.updated_at)
    THEN
        NEW.summary_doc := NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER mobile_subscriptions_doc_follows BEFORE UPDATE ON mobile_subscriptions
    FOR EACH ROW EXECUTE FUNCTION mobile_subscriptions_doc_follows();
