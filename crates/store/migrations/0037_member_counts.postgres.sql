-- The member list's total without counting (store/src/directory/members.rs, `search` without a
-- query or group): how many members each enterprise has, kept by a trigger in the writer's
-- transaction, as contact_counts is (0032). Exact on every node (the upsert takes the counter's
-- row lock until commit) and across a sandbox reset. A search or a group still counts its
-- matches. Members without an enterprise are not counted.
CREATE TABLE member_counts (
    enterprise_id TEXT PRIMARY KEY,
    n             BIGINT NOT NULL
);
INSERT INTO member_counts (enterprise_id, n)
    SELECT enterprise_id, COUNT(*) FROM members WHERE enterprise_id IS NOT NULL GROUP BY enterprise_id;

CREATE FUNCTION member_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.enterprise_id IS NOT DISTINCT FROM NEW.enterprise_id THEN
        RETURN NULL;
    END IF;
    IF (TG_OP = 'DELETE' OR TG_OP = 'UPDATE') AND OLD.enterprise_id IS NOT NULL THEN
        UPDATE member_counts SET n = n - 1 WHERE enterprise_id = OLD.enterprise_id;
    END IF;
    IF (TG_OP = 'INSERT' OR TG_OP = 'UPDATE') AND NEW.enterprise_id IS NOT NULL THEN
        INSERT INTO member_counts AS c (enterprise_id, n) VALUES (NEW.enterprise_id, 1)
            ON CONFLICT (enterprise_id) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER member_counts_follow
    AFTER INSERT OR DELETE OR UPDATE OF enterprise_id ON members
    FOR EACH ROW EXECUTE FUNCTION member_counts_follow();
