-- "Contains" searches through trigram indexes (pg_trgm, GIN) on the expressions of migrations 0006
-- and 0008: the planner uses them for the queries' `LIKE '%…%'` as they are, and an expression
-- index needs no triggers. A database user that may not create the extension keeps the scans of
-- 0006 and 0008: this migration then only says so, it never fails.
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
    EXECUTE format('CREATE INDEX members_search_trigram ON members USING gin '
        '((LOWER(first_name || '' '' || last_name) || E''\n'' || LOWER(email) || E''\n'' || mobile) '
        '%s.gin_trgm_ops)', trgm_schema);
    EXECUTE format('CREATE INDEX mobile_subscriptions_references_trigram ON mobile_subscriptions '
        'USING gin ((LOWER(COALESCE(reference1, '''')) || E''\n'' || LOWER(COALESCE(reference2, '''')) '
        '|| E''\n'' || LOWER(COALESCE(reference3, ''''))) %s.gin_trgm_ops)', trgm_schema);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'no trigram indexes (%): member and reference searches scan', SQLERRM;
END
$migration$;
