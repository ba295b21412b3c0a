-- Whether the organisation got members or subscriptions since its KPN tree was last linked to
-- the shared domain: set by these triggers, cleared by the linking (services kpn::shared), read
-- with the customer on every KPN request instead of looking for unlinked rows among them all.
-- 1 for the customers already there, so each is checked once.
ALTER TABLE kpn_customers ADD COLUMN links_stale BIGINT NOT NULL DEFAULT 1;
CREATE TRIGGER kpn_links_stale_member AFTER INSERT ON members BEGIN
    UPDATE kpn_customers SET links_stale = 1 WHERE org_number = new.org_number;
END;
CREATE TRIGGER kpn_links_stale_member_moved AFTER UPDATE OF org_number ON members BEGIN
    UPDATE kpn_customers SET links_stale = 1 WHERE org_number = new.org_number;
END;
CREATE TRIGGER kpn_links_stale_subscription AFTER INSERT ON mobile_subscriptions BEGIN
    UPDATE kpn_customers SET links_stale = 1 WHERE org_number = new.org_number;
END;
CREATE TRIGGER kpn_links_stale_subscription_moved AFTER UPDATE OF org_number
    ON mobile_subscriptions BEGIN
    UPDATE kpn_customers SET links_stale = 1 WHERE org_number = new.org_number;
END;
