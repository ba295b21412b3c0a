-- Each contact's API object (`ContactBody` of the MBN dialect), written by the store with every
-- insert and update of the row (store/src/directory/contacts.rs), so that a page of contacts and a
-- point read copy one stored text per row instead of reading and writing eighteen columns. The
-- object depends on the row alone. Rows written without it (from before this migration, or by an
-- older node) have none and are written from their columns until `write_missing_documents` runs.
ALTER TABLE contacts ADD COLUMN doc TEXT;
-- The rows still to be written, found at start without a scan of every contact.
CREATE INDEX contacts_undocumented ON contacts (id) WHERE doc IS NULL;
-- An update that does not write the object (an older node's) makes it unknown, never stale.
CREATE TRIGGER contacts_doc_follows AFTER UPDATE ON contacts
    WHEN new.doc IS NOT NULL AND new.doc IS old.doc BEGIN
    UPDATE contacts SET doc = NULL WHERE id = new.id;
END;
