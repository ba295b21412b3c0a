-- The account list's total without counting every account (store/src/corporate/accounts.rs,
-- `listed_total`): how many accounts each owner has, kept by a trigger in the writer's
-- transaction, as contact_counts is (0032). The list counts only accounts listed at the time of
-- the request (`listed_from <= now`), which moves with the clock, not with writes: the total is
-- this counter minus an exact COUNT of the owner's accounts listed in the future (few: only new
-- accounts until their activation), read through the index below in the same statement (one
-- snapshot). Exact on every node (the upsert takes the counter's row lock until commit) and
-- across a sandbox reset.
CREATE TABLE account_counts (
    owner_org TEXT PRIMARY KEY,
    n         BIGINT NOT NULL
);
INSERT INTO account_counts (owner_org, n)
    SELECT owner_org, COUNT(*) FROM corporate_accounts GROUP BY owner_org;

CREATE FUNCTION account_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.owner_org IS NOT DISTINCT FROM NEW.owner_org THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' OR TG_OP = 'UPDATE' THEN
        UPDATE account_counts SET n = n - 1 WHERE owner_org = OLD.owner_org;
    END IF;
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' THEN
        INSERT INTO account_counts AS c (owner_org, n) VALUES (NEW.owner_org, 1)
            ON CONFLICT (owner_org) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER account_counts_follow
    AFTER INSERT OR DELETE OR UPDATE OF owner_org ON corporate_accounts
    FOR EACH ROW EXECUTE FUNCTION account_counts_follow();

-- The accounts listed in the future, by time first: the COUNT above reads only those. It covers
-- every use of `corporate_accounts_listed`, which it replaces.
CREATE INDEX corporate_accounts_listed_owner ON corporate_accounts (listed_from, owner_org);
DROP INDEX corporate_accounts_listed;
