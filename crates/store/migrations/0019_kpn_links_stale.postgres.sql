-- Whether the organisation got members or subscriptions since its KPN tree was last linked to
-- the shared domain: set by these triggers, cleared by the linking (services kpn::shared), read
-- with the customer on every KPN request instead of looking for unlinked rows among them all.
-- 1 for the customers already there, so each is checked once.
ALTER TABLE kpn_customers ADD COLUMN links_stale BIGINT NOT NULL DEFAULT 1;
CREATE FUNCTION kpn_links_stale_mark() RETURNS trigger LANGUAGE plpgsql AS $mark$
BEGIN
    UPDATE kpn_customers SET links_stale = 1 WHERE org_number = NEW.org_number;
    RETURN NEW;
END
$mark$;
CREATE TRIGGER kpn_links_stale_member AFTER INSERT OR UPDATE OF org_number ON members
    FOR EACH ROW EXECUTE FUNCTION kpn_links_stale_mark();
CREATE TRIGGER kpn_links_stale_subscription AFTER INSERT OR UPDATE OF org_number
    ON mobile_subscriptions FOR EACH ROW EXECUTE FUNCTION kpn_links_stale_mark();
