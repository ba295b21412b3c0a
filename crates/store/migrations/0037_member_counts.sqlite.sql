-- The member list's total without counting (store/src/directory/members.rs, `search` without a
-- query or group): how many members each enterprise has, kept by triggers in the writer's
-- transaction, as contact_counts is (0032). Exact on every node and across a sandbox reset (its
-- deletes and the reseed's inserts go through the same triggers). A search or a group still
-- counts its matches. Members without an enterprise are not counted.
CREATE TABLE member_counts (
    enterprise_id TEXT PRIMARY KEY,
    n             BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO member_counts (enterprise_id, n)
    SELECT enterprise_id, COUNT(*) FROM members WHERE enterprise_id IS NOT NULL GROUP BY enterprise_id;

CREATE TRIGGER member_counts_insert AFTER INSERT ON members WHEN new.enterprise_id IS NOT NULL BEGIN
    INSERT INTO member_counts (enterprise_id, n) VALUES (new.enterprise_id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER member_counts_delete AFTER DELETE ON members WHEN old.enterprise_id IS NOT NULL BEGIN
    UPDATE member_counts SET n = n - 1 WHERE enterprise_id = old.enterprise_id;
END;
CREATE TRIGGER member_counts_update AFTER UPDATE OF enterprise_id ON members
    WHEN old.enterprise_id IS NOT new.enterprise_id BEGIN
    UPDATE member_counts SET n = n - 1 WHERE enterprise_id = old.enterprise_id;
    INSERT INTO member_counts (enterprise_id, n)
        SELECT new.enterprise_id, 1 WHERE new.enterprise_id IS NOT NULL
        ON CONFLICT (enterprise_id) DO UPDATE SET n = n + 1;
END;
