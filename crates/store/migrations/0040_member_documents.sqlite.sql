-- Each member's directory entry as the API's object (`MemberBody` of the MBN dialect) around its
-- short number, which is the numbering plan's and read per request: `doc_head` up to and
-- including `"shortNumber":`, `doc_tail` after it. Written by the store with every write of the
-- row (store/src/directory/members.rs), so a page of members and a point read copy two stored
-- texts per row instead of reading and writing seventeen columns. Rows without them (from before
-- this migration, or written by an older node) are written from their columns until
-- `write_missing_documents` runs at start.
ALTER TABLE members ADD COLUMN doc_head TEXT;
ALTER TABLE members ADD COLUMN doc_tail TEXT;
CREATE INDEX members_undocumented ON members (id) WHERE doc_head IS NULL;
-- An update of what the object shows that does not write the object (an older node's) makes it
-- unknown, never stale.
CREATE TRIGGER members_doc_follows AFTER UPDATE ON members
    WHEN new.doc_head IS NOT NULL AND new.doc_head IS old.doc_head AND new.doc_tail IS old.doc_tail
    AND (new.id, new.enterprise_id, new.group_id, new.first_name, new.last_name, new.mobile,
         new.other_numbers, new.email, new.title, new.department, new.company,
         new.street_address, new.postal_code, new.postal_place, new.external_id, new.updated_at)
    IS NOT (old.id, old.enterprise_id, old.group_id, old.first_name, old.last_name, old.mobile,
         old.other_numbers, old.email, old.title, old.department, old.company,
         old.street_address, old.postal_code, old.postal_place, old.external_id, old.updated_at)
BEGIN
    UPDATE members SET doc_head = NULL, doc_tail = NULL WHERE id = new.id;
END;
