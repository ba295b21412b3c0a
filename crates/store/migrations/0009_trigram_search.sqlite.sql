-- "Contains" searches through a trigram index (FTS5, tokenizer `trigram`, case-folding): member
-- search and the subscriptions' user references. The index only finds candidates; the queries in
-- store/src/directory/members.rs and store/src/corporate/subscriptions.rs keep the exact predicate
-- of migrations 0006 and 0008, so the answers stay the same. Each FTS row has the rowid of its
-- table row (contentless: the text is not stored twice) and triggers keep it in step with writes.
-- Queries of fewer than three characters have no trigram and scan as before.
CREATE VIRTUAL TABLE members_trigram USING fts5 (search_text, content = '',
    contentless_delete = 1, tokenize = 'trigram');
INSERT INTO members_trigram (rowid, search_text)
    SELECT rowid, first_name || ' ' || last_name || char(10) || email || char(10) || mobile
    FROM members;
CREATE TRIGGER members_trigram_insert AFTER INSERT ON members BEGIN
    INSERT INTO members_trigram (rowid, search_text) VALUES (new.rowid,
        new.first_name || ' ' || new.last_name || char(10) || new.email || char(10) || new.mobile);
END;
CREATE TRIGGER members_trigram_update AFTER UPDATE OF first_name, last_name, email, mobile
    ON members BEGIN
    DELETE FROM members_trigram WHERE rowid = old.rowid;
    INSERT INTO members_trigram (rowid, search_text) VALUES (new.rowid,
        new.first_name || ' ' || new.last_name || char(10) || new.email || char(10) || new.mobile);
END;
CREATE TRIGGER members_trigram_delete AFTER DELETE ON members BEGIN
    DELETE FROM members_trigram WHERE rowid = old.rowid;
END;

CREATE VIRTUAL TABLE mobile_subscriptions_trigram USING fts5 (references_text, content = '',
    contentless_delete = 1, tokenize = 'trigram');
INSERT INTO mobile_subscriptions_trigram (rowid, references_text)
    SELECT rowid, COALESCE(reference1, '') || char(10) || COALESCE(reference2, '') || char(10)
        || COALESCE(reference3, '')
    FROM mobile_subscriptions;
CREATE TRIGGER mobile_subscriptions_trigram_insert AFTER INSERT ON mobile_subscriptions BEGIN
    INSERT INTO mobile_subscriptions_trigram (rowid, references_text) VALUES (new.rowid,
        COALESCE(new.reference1, '') || char(10) || COALESCE(new.reference2, '') || char(10)
        || COALESCE(new.reference3, ''));
END;
CREATE TRIGGER mobile_subscriptions_trigram_update
    AFTER UPDATE OF reference1, reference2, reference3 ON mobile_subscriptions BEGIN
    DELETE FROM mobile_subscriptions_trigram WHERE rowid = old.rowid;
    INSERT INTO mobile_subscriptions_trigram (rowid, references_text) VALUES (new.rowid,
        COALESCE(new.reference1, '') || char(10) || COALESCE(new.reference2, '') || char(10)
        || COALESCE(new.reference3, ''));
END;
CREATE TRIGGER mobile_subscriptions_trigram_delete AFTER DELETE ON mobile_subscriptions BEGIN
    DELETE FROM mobile_subscriptions_trigram WHERE rowid = old.rowid;
END;
