-- EMPLOYEE_NUMBER "contains" through the suffixes of each lower-cased employee number: v is
-- contained in a number exactly when v starts one of its suffixes, a range of this table's key
-- (collation "C", so the range is bytewise). pg_trgm is weak on digits: only 1 000 trigrams, each
-- in a large share of the rows. Kept by a trigger; the same table and lookup as on SQLite.
CREATE TABLE kpn_employee_number_suffixes (
    suffix  TEXT COLLATE "C" NOT NULL,
    item_id BIGINT NOT NULL,
    PRIMARY KEY (suffix, item_id)
);
INSERT INTO kpn_employee_number_suffixes (suffix, item_id)
    SELECT DISTINCT substr(lower(i.employee_number), p.n), i.id
    FROM kpn_items i, generate_series(1, length(i.employee_number)) AS p (n)
    WHERE i.kind = 'SUBSCRIBER' AND COALESCE(i.employee_number, '') <> '';
CREATE FUNCTION kpn_employee_number_suffixes_keep() RETURNS trigger LANGUAGE plpgsql AS $keep$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kind = 'SUBSCRIBER'
        AND COALESCE(OLD.employee_number, '') <> '' THEN
        DELETE FROM kpn_employee_number_suffixes WHERE item_id = OLD.id AND suffix IN (
            SELECT substr(lower(OLD.employee_number), n)
            FROM generate_series(1, length(OLD.employee_number)) AS n);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.kind = 'SUBSCRIBER'
        AND COALESCE(NEW.employee_number, '') <> '' THEN
        INSERT INTO kpn_employee_number_suffixes (suffix, item_id)
            SELECT substr(lower(NEW.employee_number), n), NEW.id
            FROM generate_series(1, length(NEW.employee_number)) AS n
            ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$keep$;
CREATE TRIGGER kpn_employee_number_suffixes_keep
    AFTER INSERT OR DELETE OR UPDATE OF employee_number ON kpn_items
    FOR EACH ROW EXECUTE FUNCTION kpn_employee_number_suffixes_keep();

-- Subscribers per customer, kept by a trigger, so an unfiltered subscriber list counts in one
-- read (as kpn_contract_counts does for contracts).
CREATE TABLE kpn_subscriber_counts (
    org_number TEXT PRIMARY KEY,
    n          BIGINT NOT NULL
);
INSERT INTO kpn_subscriber_counts (org_number, n)
    SELECT org_number, COUNT(*) FROM kpn_items WHERE kind = 'SUBSCRIBER' GROUP BY org_number;
CREATE FUNCTION kpn_subscriber_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $keep$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.kind = 'SUBSCRIBER' THEN
            INSERT INTO kpn_subscriber_counts (org_number, n) VALUES (NEW.org_number, 1)
                ON CONFLICT (org_number) DO UPDATE SET n = kpn_subscriber_counts.n + 1;
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.kind = 'SUBSCRIBER' THEN
        UPDATE kpn_subscriber_counts SET n = n - 1 WHERE org_number = OLD.org_number;
    END IF;
    RETURN OLD;
END
$keep$;
CREATE TRIGGER kpn_subscriber_counts_keep AFTER INSERT OR DELETE ON kpn_items
    FOR EACH ROW EXECUTE FUNCTION kpn_subscriber_counts_keep();
