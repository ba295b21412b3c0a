-- Subscription searches by product, and their totals, read small indexes instead of every
-- subscription of a company (store/src/corporate/subscriptions.rs, `search`).
--
-- A subscription's organisation and account never change (no code updates them; the triggers
-- below refuse it), so an add-on keeps a copy of both: a product search finds its page and its
-- count in the index `subscription_products_product`, walking it in number order.
ALTER TABLE subscription_products ADD COLUMN org_number TEXT, ADD COLUMN account_id TEXT;
UPDATE subscription_products p SET org_number = s.org_number, account_id = s.account_id
    FROM mobile_subscriptions s WHERE s.msisdn = p.msisdn;
ALTER TABLE subscription_products ALTER COLUMN org_number SET NOT NULL,
    ALTER COLUMN account_id SET NOT NULL;
DROP INDEX subscription_products_product;
CREATE INDEX subscription_products_product
    ON subscription_products (product_id, msisdn, org_number, account_id);

-- Exact totals without counting: how many subscriptions each account has, and how many of them
-- have each add-on, kept by triggers in the writer's transaction. A search by reach,
-- organisation, account (and product) sums these rows with the same clause.
CREATE TABLE subscription_counts (
    org_number TEXT NOT NULL,
    account_id TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (org_number, account_id)
);
CREATE INDEX subscription_counts_account ON subscription_counts (account_id);
INSERT INTO subscription_counts (org_number, account_id, n)
    SELECT org_number, account_id, COUNT(*) FROM mobile_subscriptions
    GROUP BY org_number, account_id;

CREATE TABLE subscription_product_counts (
    product_id BIGINT NOT NULL,
    org_number TEXT NOT NULL,
    account_id TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (product_id, org_number, account_id)
);
CREATE INDEX subscription_product_counts_account
    ON subscription_product_counts (product_id, account_id);
INSERT INTO subscription_product_counts (product_id, org_number, account_id, n)
    SELECT product_id, org_number, account_id, COUNT(*) FROM subscription_products
    GROUP BY product_id, org_number, account_id;

CREATE FUNCTION subscription_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO subscription_counts AS c (org_number, account_id, n)
            VALUES (NEW.org_number, NEW.account_id, 1)
            ON CONFLICT (org_number, account_id) DO UPDATE SET n = c.n + 1;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE subscription_counts SET n = n - 1
            WHERE org_number = OLD.org_number AND account_id = OLD.account_id;
    ELSIF NEW.org_number IS DISTINCT FROM OLD.org_number
        OR NEW.account_id IS DISTINCT FROM OLD.account_id THEN
        RAISE EXCEPTION 'a subscription keeps its organisation and account';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER subscription_counts_follow
    AFTER INSERT OR DELETE OR UPDATE OF org_number, account_id ON mobile_subscriptions
    FOR EACH ROW EXECUTE FUNCTION subscription_counts_follow();

CREATE FUNCTION subscription_product_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO subscription_product_counts AS c (product_id, org_number, account_id, n)
            VALUES (NEW.product_id, NEW.org_number, NEW.account_id, 1)
            ON CONFLICT (product_id, org_number, account_id) DO UPDATE SET n = c.n + 1;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE subscription_product_counts SET n = n - 1
            WHERE product_id = OLD.product_id AND org_number = OLD.org_number
            AND account_id = OLD.account_id;
    ELSIF NEW.product_id IS DISTINCT FROM OLD.product_id
        OR NEW.org_number IS DISTINCT FROM OLD.org_number
        OR NEW.account_id IS DISTINCT FROM OLD.account_id THEN
        RAISE EXCEPTION 'an add-on keeps its product, organisation and account';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER subscription_product_counts_follow
    AFTER INSERT OR DELETE OR UPDATE OF product_id, org_number, account_id
    ON subscription_products
    FOR EACH ROW EXECUTE FUNCTION subscription_product_counts_follow();
