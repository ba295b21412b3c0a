-- The KPN subscriber filters (FIRSTNAME, LASTNAME, SURNAME_PREFIX, EMPLOYEE_NUMBER, FIXED_NUMBER:
-- case-insensitive "contains") through a trigram index, as migration 0009 does for members: the
-- FTS5 table finds candidates per column, store/src/kpn/items.rs keeps the exact predicate, so the
-- answers stay those of the scan. Contentless, rowid of the kpn_items row, kept by triggers.
CREATE VIRTUAL TABLE kpn_items_trigram USING fts5 (first_name, surname, surname_prefix,
    employee_number, fixed_number, content = '', contentless_delete = 1, tokenize = 'trigram');
INSERT INTO kpn_items_trigram (rowid, first_name, surname, surname_prefix, employee_number,
    fixed_number)
    SELECT rowid, COALESCE(first_name, ''), COALESCE(surname, ''), COALESCE(surname_prefix, ''),
        COALESCE(employee_number, ''), COALESCE(fixed_number, '')
    FROM kpn_items WHERE kind = 'SUBSCRIBER';
CREATE TRIGGER kpn_items_trigram_insert AFTER INSERT ON kpn_items WHEN new.kind = 'SUBSCRIBER'
BEGIN
    INSERT INTO kpn_items_trigram (rowid, first_name, surname, surname_prefix, employee_number,
        fixed_number) VALUES (new.rowid, COALESCE(new.first_name, ''), COALESCE(new.surname, ''),
        COALESCE(new.surname_prefix, ''), COALESCE(new.employee_number, ''),
        COALESCE(new.fixed_number, ''));
END;
CREATE TRIGGER kpn_items_trigram_update
    AFTER UPDATE OF first_name, surname, surname_prefix, employee_number, fixed_number
    ON kpn_items WHEN new.kind = 'SUBSCRIBER' BEGIN
    DELETE FROM kpn_items_trigram WHERE rowid = old.rowid;
    INSERT INTO kpn_items_trigram (rowid, first_name, surname, surname_prefix, employee_number,
        fixed_number) VALUES (new.rowid, COALESCE(new.first_name, ''), COALESCE(new.surname, ''),
        COALESCE(new.surname_prefix, ''), COALESCE(new.employee_number, ''),
        COALESCE(new.fixed_number, ''));
END;
CREATE TRIGGER kpn_items_trigram_delete AFTER DELETE ON kpn_items WHEN old.kind = 'SUBSCRIBER'
BEGIN
    DELETE FROM kpn_items_trigram WHERE rowid = old.rowid;
END;

-- Contracts per customer, kept by triggers, so an unfiltered contract list counts in one read.
CREATE TABLE kpn_contract_counts (
    org_number TEXT PRIMARY KEY,
    n          BIGINT NOT NULL
);
INSERT INTO kpn_contract_counts (org_number, n)
    SELECT org_number, COUNT(*) FROM kpn_contracts GROUP BY org_number;
CREATE TRIGGER kpn_contract_counts_insert AFTER INSERT ON kpn_contracts BEGIN
    INSERT INTO kpn_contract_counts (org_number, n) VALUES (new.org_number, 1)
        ON CONFLICT (org_number) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER kpn_contract_counts_delete AFTER DELETE ON kpn_contracts BEGIN
    UPDATE kpn_contract_counts SET n = n - 1 WHERE org_number = old.org_number;
END;
