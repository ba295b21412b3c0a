-- The account list's total without counting every account (store/src/corporate/accounts.rs,
-- `listed_total`): how many accounts each owner has, kept by triggers in the writer's
-- transaction, as contact_counts is (0032). The list counts only accounts listed at the time of
-- the request (`listed_from <= now`), which moves with the clock, not with writes: the total is
-- this counter minus an exact COUNT of the owner's accounts listed in the future (few: only new
-- accounts until their activation), read through the index below in the same statement. Exact
-- on every node and across a sandbox reset (its deletes and the reseed's inserts go through the
-- same triggers).
CREATE TABLE account_counts (
    owner_org TEXT PRIMARY KEY,
    n         BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO account_counts (owner_org, n)
    SELECT owner_org, COUNT(*) FROM corporate_accounts GROUP BY owner_org;

CREATE TRIGGER account_counts_insert AFTER INSERT ON corporate_accounts BEGIN
    INSERT INTO account_counts (owner_org, n) VALUES (new.owner_org, 1)
        ON CONFLICT (owner_org) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER account_counts_delete AFTER DELETE ON corporate_accounts BEGIN
    UPDATE account_counts SET n = n - 1 WHERE owner_org = old.owner_org;
END;
CREATE TRIGGER account_counts_update AFTER UPDATE OF owner_org ON corporate_accounts
    WHEN old.owner_org IS NOT new.owner_org BEGIN
    UPDATE account_counts SET n = n - 1 WHERE owner_org = old.owner_org;
    INSERT INTO account_counts (owner_org, n) VALUES (new.owner_org, 1)
        ON CONFLICT (owner_org) DO UPDATE SET n = n + 1;
END;

-- The accounts listed in the future, by time first: the COUNT above reads only those (covering,
-- no table rows). It covers every use of `corporate_accounts_listed`, which it replaces.
CREATE INDEX corporate_accounts_listed_owner ON corporate_accounts (listed_from, owner_org);
DROP INDEX corporate_accounts_listed;
