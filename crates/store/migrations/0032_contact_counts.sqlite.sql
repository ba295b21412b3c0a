-- The contact list's total without counting (store/src/directory/contacts.rs, `list`): how many
-- live contacts (deleted_at IS NULL) each enterprise has, kept by triggers in the writer's
-- transaction, as subscription_counts is (0011). Exact on every node (the rows are in the
-- database every node writes) and across a sandbox reset (its deletes and the reseed's inserts
-- go through the same triggers). A search still counts its matches.
CREATE TABLE contact_counts (
    enterprise_id TEXT PRIMARY KEY,
    n             BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO contact_counts (enterprise_id, n)
    SELECT enterprise_id, COUNT(*) FROM contacts WHERE deleted_at IS NULL GROUP BY enterprise_id;

CREATE TRIGGER contact_counts_insert AFTER INSERT ON contacts WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO contact_counts (enterprise_id, n) VALUES (new.enterprise_id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER contact_counts_delete AFTER DELETE ON contacts WHEN old.deleted_at IS NULL BEGIN
    UPDATE contact_counts SET n = n - 1 WHERE enterprise_id = old.enterprise_id;
END;
CREATE TRIGGER contact_counts_update AFTER UPDATE OF deleted_at, enterprise_id ON contacts BEGIN
    UPDATE contact_counts SET n = n - 1
        WHERE enterprise_id = old.enterprise_id AND old.deleted_at IS NULL;
    INSERT INTO contact_counts (enterprise_id, n)
        SELECT new.enterprise_id, 1 WHERE new.deleted_at IS NULL
        ON CONFLICT (enterprise_id) DO UPDATE SET n = n + 1;
END;
