-- The KPN subscriber filters (FIRSTNAME, LASTNAME, SURNAME_PREFIX, EMPLOYEE_NUMBER, FIXED_NUMBER:
-- case-insensitive "contains") through pg_trgm GIN indexes on the expressions the queries of
-- store/src/kpn/items.rs use, as migration 0009 does for members. A database user that may not
-- create the extension keeps the scans: this part then only says so, it never fails.
DO $migration$
DECLARE
    trgm_schema TEXT;
BEGIN
    SELECT extnamespace::regnamespace::text INTO trgm_schema
        FROM pg_extension WHERE extname = 'pg_trgm';
    IF trgm_schema IS NULL THEN
        CREATE EXTENSION pg_trgm;
        SELECT extnamespace::regnamespace::text INTO trgm_schema
            FROM pg_extension WHERE extname = 'pg_trgm';
    END IF;
    EXECUTE format('CREATE INDEX kpn_items_first_name_trigram ON kpn_items USING gin '
        '((LOWER(COALESCE(first_name, ''''))) %s.gin_trgm_ops)', trgm_schema);
    EXECUTE format('CREATE INDEX kpn_items_surname_trigram ON kpn_items USING gin '
        '((LOWER(COALESCE(surname, ''''))) %s.gin_trgm_ops)', trgm_schema);
    EXECUTE format('CREATE INDEX kpn_items_surname_prefix_trigram ON kpn_items USING gin '
        '((LOWER(COALESCE(surname_prefix, ''''))) %s.gin_trgm_ops)', trgm_schema);
    EXECUTE format('CREATE INDEX kpn_items_employee_number_trigram ON kpn_items USING gin '
        '((LOWER(COALESCE(employee_number, ''''))) %s.gin_trgm_ops)', trgm_schema);
    EXECUTE format('CREATE INDEX kpn_items_fixed_number_trigram ON kpn_items USING gin '
        '((LOWER(COALESCE(fixed_number, ''''))) %s.gin_trgm_ops)', trgm_schema);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'no trigram indexes (%): KPN subscriber filters scan', SQLERRM;
END
$migration$;

-- Contracts per customer, kept by triggers, so an unfiltered contract list counts in one read.
CREATE TABLE kpn_contract_counts (
    org_number TEXT PRIMARY KEY,
    n          BIGINT NOT NULL
);
INSERT INTO kpn_contract_counts (org_number, n)
    SELECT org_number, COUNT(*) FROM kpn_contracts GROUP BY org_number;
CREATE FUNCTION kpn_contract_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $keep$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO kpn_contract_counts (org_number, n) VALUES (NEW.org_number, 1)
            ON CONFLICT (org_number) DO UPDATE SET n = kpn_contract_counts.n + 1;
        RETURN NEW;
    END IF;
    UPDATE kpn_contract_counts SET n = n - 1 WHERE org_number = OLD.org_number;
    RETURN OLD;
END
$keep$;
CREATE TRIGGER kpn_contract_counts_keep AFTER INSERT OR DELETE ON kpn_contracts
    FOR EACH ROW EXECUTE FUNCTION kpn_contract_counts_keep();
