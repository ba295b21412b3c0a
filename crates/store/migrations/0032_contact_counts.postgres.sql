-- The contact list's total without counting (store/src/directory/contacts.rs, `list`): how many
-- live contacts (deleted_at IS NULL) each enterprise has, kept by a trigger in the writer's
-- transaction, as subscription_counts is (0011). Exact on every node (the rows are in the
-- database every node writes; the upsert takes the counter's row lock until commit) and across a
-- sandbox reset (its deletes and the reseed's inserts go through the same trigger). A search
-- still counts its matches.
CREATE TABLE contact_counts (
    enterprise_id TEXT PRIMARY KEY,
    n             BIGINT NOT NULL
);
INSERT INTO contact_counts (enterprise_id, n)
    SELECT enterprise_id, COUNT(*) FROM contacts WHERE deleted_at IS NULL GROUP BY enterprise_id;

CREATE FUNCTION contact_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR TG_OP = 'UPDATE' THEN
        IF OLD.deleted_at IS NULL THEN
            UPDATE contact_counts SET n = n - 1 WHERE enterprise_id = OLD.enterprise_id;
        END IF;
    END IF;
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' THEN
        IF NEW.deleted_at IS NULL THEN
            INSERT INTO contact_counts AS c (enterprise_id, n) VALUES (NEW.enterprise_id, 1)
                ON CONFLICT (enterprise_id) DO UPDATE SET n = c.n + 1;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER contact_counts_follow
    AFTER INSERT OR DELETE OR UPDATE OF deleted_at, enterprise_id ON contacts
    FOR EACH ROW EXECUTE FUNCTION contact_counts_follow();
