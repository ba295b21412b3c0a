-- Each member's directory entry as the API's object (`MemberBody` of the MBN dialect) around its
-- short number, which is the numbering plan's and read per request: `doc_head` up to and
-- including `"shortNumber":`, `doc_tail` after it. Written by the store with every write of the
-- row (store/src/directory/members.rs), so a page of members and a point read copy two stored
-- texts per row instead of reading and writing seventeen columns. Rows without them (from before
-- this migration, or written by an older node) are written from their columns until
-- `write_missing_documents` runs at start.
ALTER TABLE members ADD COLUMN doc_head TEXT, ADD COLUMN doc_tail TEXT;
CREATE INDEX members_undocumented ON members (id) WHERE doc_head IS NULL;
-- An update of what the object shows that does not write the object (an older node's) makes it
-- unknown, never stale.
CREATE FUNCTION members_doc_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.doc_head IS NOT DISTINCT FROM OLD.doc_head AND NEW.doc_tail IS NOT DISTINCT FROM OLD.doc_tail
        AND (NEW.id, NEW.enterprise_id, NEW.group_id, NEW.first_name, NEW.last_name, NEW.mobile,
             NEW.other_numbers, NEW.email, NEW.title, NEW.department, NEW.company,
             NEW.street_address, NEW.postal_code, NEW.postal_place, NEW.external_id, NEW.updated_at)
        IS DISTINCT FROM (OLD.id, OLD.enterprise_id, OLD.group_id, OLD.first_name, OLD.last_name,
             OLD.mobile, OLD.other_numbers, OLD.email, OLD.title, OLD.department, OLD.company,
             OLD.street_address, OLD.postal_code, OLD.postal_place, OLD.external_id, OLD.updated_at)
    THEN
        NEW.doc_head := NULL;
        NEW.doc_tail := NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER members_doc_follows BEFORE UPDATE ON members
    FOR EACH ROW EXECUTE FUNCTION members_doc_follows();
