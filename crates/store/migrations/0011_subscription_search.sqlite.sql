-- Subscription searches by product, and their totals, read small indexes instead of every
-- subscription of a company (store/src/corporate/subscriptions.rs, `search`).
--
-- A subscription's organisation and account never change (no code updates them; the triggers
-- below refuse it), so an add-on keeps a copy of both: a product search finds its page and its
-- count in the index `subscription_products_product`, walking it in number order.
CREATE TABLE subscription_products_new (
    msisdn     TEXT NOT NULL REFERENCES mobile_subscriptions (msisdn),
    product_id BIGINT NOT NULL,
    added_at   BIGINT NOT NULL,
    org_number TEXT NOT NULL,
    account_id TEXT NOT NULL,
    PRIMARY KEY (msisdn, product_id)
);
INSERT INTO subscription_products_new (msisdn, product_id, added_at, org_number, account_id)
    SELECT p.msisdn, p.product_id, p.added_at, s.org_number, s.account_id
    FROM subscription_products p JOIN mobile_subscriptions s ON s.msisdn = p.msisdn;
DROP TABLE subscription_products;
ALTER TABLE subscription_products_new RENAME TO subscription_products;
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
) WITHOUT ROWID;
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
) WITHOUT ROWID;
CREATE INDEX subscription_product_counts_account
    ON subscription_product_counts (product_id, account_id);
INSERT INTO subscription_product_counts (product_id, org_number, account_id, n)
    SELECT product_id, org_number, account_id, COUNT(*) FROM subscription_products
    GROUP BY product_id, org_number, account_id;

CREATE TRIGGER subscription_counts_insert AFTER INSERT ON mobile_subscriptions BEGIN
    INSERT INTO subscription_counts (org_number, account_id, n)
        VALUES (new.org_number, new.account_id, 1)
        ON CONFLICT (org_number, account_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER subscription_counts_delete AFTER DELETE ON mobile_subscriptions BEGIN
    UPDATE subscription_counts SET n = n - 1
        WHERE org_number = old.org_number AND account_id = old.account_id;
END;
CREATE TRIGGER subscription_keeps_its_account
    BEFORE UPDATE OF org_number, account_id ON mobile_subscriptions
    WHEN new.org_number IS NOT old.org_number OR new.account_id IS NOT old.account_id BEGIN
    SELECT RAISE(ABORT, 'a subscription keeps its organisation and account');
END;

CREATE TRIGGER subscription_product_counts_insert AFTER INSERT ON subscription_products BEGIN
    INSERT INTO subscription_product_counts (product_id, org_number, account_id, n)
        VALUES (new.product_id, new.org_number, new.account_id, 1)
        ON CONFLICT (product_id, org_number, account_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER subscription_product_counts_delete AFTER DELETE ON subscription_products BEGIN
    UPDATE subscription_product_counts SET n = n - 1
        WHERE product_id = old.product_id AND org_number = old.org_number
        AND account_id = old.account_id;
END;
CREATE TRIGGER subscription_product_keeps_its_keys
    BEFORE UPDATE OF product_id, org_number, account_id ON subscription_products
    WHEN new.product_id IS NOT old.product_id OR new.org_number IS NOT old.org_number
        OR new.account_id IS NOT old.account_id BEGIN
    SELECT RAISE(ABORT, 'an add-on keeps its product, organisation and account');
END;
