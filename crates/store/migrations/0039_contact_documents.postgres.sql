-- Each contact's API object (`ContactBody` of the MBN dialect), written by the store with every
-- insert and update of the row (store/src/directory/contacts.rs), so that a page of contacts and a
-- point read copy one stored text per row instead of reading and writing eighteen columns. The
-- object depends on the row alone. Rows written without it (from before this migration, or by an
-- older node) have none and are written from their columns until `write_missing_documents` runs.
ALTER TABLE contacts ADD COLUMN doc TEXT;
-- The rows still to be written, found at start without a scan of every contact.
CREATE INDEX contacts_undocumented ON contacts (id) WHERE doc IS NULL;
-- An update that does not write the object (an older node's) makes it unknown, never stale.
CREATE FUNCTION contacts_doc_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.doc IS NOT DISTINCT FROM OLD.doc THEN
        NEW.doc := NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER contacts_doc_follows BEFORE UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_doc_follows();
