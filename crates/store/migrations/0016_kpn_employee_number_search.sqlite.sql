-- EMPLOYEE_NUMBER "contains" through the suffixes of each lower-cased employee number: v is
-- contained in a number exactly when v starts one of its suffixes, a range of this table's key.
-- The trigram index of 0015 is weak here: digits make only 1 000 trigrams, each in a large share
-- of the rows (measured: 75 % of the server's CPU in FTS5 on a 100 000-subscriber customer).
-- Positions 1..255 are generated; a longer number also gets the suffix '' so that the store
-- always takes it as a candidate. Kept by triggers, as the trigram index is.
CREATE TABLE kpn_suffix_positions (n INTEGER PRIMARY KEY);
WITH RECURSIVE p (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < 255)
INSERT INTO kpn_suffix_positions (n) SELECT n FROM p;

CREATE TABLE kpn_employee_number_suffixes (
    suffix  TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    PRIMARY KEY (suffix, item_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO kpn_employee_number_suffixes (suffix, item_id)
    SELECT substr(lower(i.employee_number), p.n), i.id
    FROM kpn_items i JOIN kpn_suffix_positions p ON p.n <= length(i.employee_number)
    WHERE i.kind = 'SUBSCRIBER' AND COALESCE(i.employee_number, '') <> '';
INSERT OR IGNORE INTO kpn_employee_number_suffixes (suffix, item_id)
    SELECT '', id FROM kpn_items WHERE kind = 'SUBSCRIBER' AND length(employee_number) > 255;

CREATE TRIGGER kpn_employee_number_suffixes_insert AFTER INSERT ON kpn_items
    WHEN new.kind = 'SUBSCRIBER' AND COALESCE(new.employee_number, '') <> '' BEGIN
    INSERT OR IGNORE INTO kpn_employee_number_suffixes (suffix, item_id)
        SELECT substr(lower(new.employee_number), n), new.id FROM kpn_suffix_positions
        WHERE n <= length(new.employee_number);
    INSERT OR IGNORE INTO kpn_employee_number_suffixes (suffix, item_id)
        SELECT '', new.id WHERE length(new.employee_number) > 255;
END;
CREATE TRIGGER kpn_employee_number_suffixes_update AFTER UPDATE OF employee_number ON kpn_items
    WHEN new.kind = 'SUBSCRIBER' BEGIN
    DELETE FROM kpn_employee_number_suffixes WHERE item_id = old.id AND suffix IN (
        SELECT substr(lower(old.employee_number), n) FROM kpn_suffix_positions
        WHERE n <= length(old.employee_number) UNION ALL SELECT '');
    INSERT OR IGNORE INTO kpn_employee_number_suffixes (suffix, item_id)
        SELECT substr(lower(new.employee_number), n), new.id FROM kpn_suffix_positions
        WHERE n <= length(new.employee_number);
    INSERT OR IGNORE INTO kpn_employee_number_suffixes (suffix, item_id)
        SELECT '', new.id WHERE length(new.employee_number) > 255;
END;
CREATE TRIGGER kpn_employee_number_suffixes_delete AFTER DELETE ON kpn_items
    WHEN old.kind = 'SUBSCRIBER' AND COALESCE(old.employee_number, '') <> '' BEGIN
    DELETE FROM kpn_employee_number_suffixes WHERE item_id = old.id AND suffix IN (
        SELECT substr(lower(old.employee_number), n) FROM kpn_suffix_positions
        WHERE n <= length(old.employee_number) UNION ALL SELECT '');
END;

-- Subscribers per customer, kept by triggers, so an unfiltered subscriber list counts in one read
-- (as kpn_contract_counts does for contracts).
CREATE TABLE kpn_subscriber_counts (
    org_number TEXT PRIMARY KEY,
    n          BIGINT NOT NULL
);
INSERT INTO kpn_subscriber_counts (org_number, n)
    SELECT org_number, COUNT(*) FROM kpn_items WHERE kind = 'SUBSCRIBER' GROUP BY org_number;
CREATE TRIGGER kpn_subscriber_counts_insert AFTER INSERT ON kpn_items
    WHEN new.kind = 'SUBSCRIBER' BEGIN
    INSERT INTO kpn_subscriber_counts (org_number, n) VALUES (new.org_number, 1)
        ON CONFLICT (org_number) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER kpn_subscriber_counts_delete AFTER DELETE ON kpn_items
    WHEN old.kind = 'SUBSCRIBER' BEGIN
    UPDATE kpn_subscriber_counts SET n = n - 1 WHERE org_number = old.org_number;
END;
