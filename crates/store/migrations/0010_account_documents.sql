-- Each account's API object (`AccountBody` of the Telenor dialect), written once when the account
-- is inserted, so that a page of accounts is a concatenation, not a JSON object built in SQL per
-- row per request. Rows are never updated and organisations never renamed; the one part that
-- changes with time, the status (a passive account shows OPEN once its activation is due), is
-- written per read between the head (up to and including `"status":`) and the tail.
ALTER TABLE corporate_accounts ADD COLUMN json_head TEXT;
ALTER TABLE corporate_accounts ADD COLUMN json_tail TEXT;
-- The rows still to be written (from before this migration, or by an older node), found at start
-- without a scan of every account.
CREATE INDEX corporate_accounts_unwritten ON corporate_accounts (id)
    WHERE json_head IS NULL OR json_tail IS NULL;
-- The page's count and keys (owner, order, listing time, id) from the index alone: with the JSON
-- in it a row is about three times as long, and reading it only for `listed_from` cost as much.
-- It covers every use of `corporate_accounts_owner`, which it replaces.
CREATE INDEX corporate_accounts_page ON corporate_accounts (owner_org, id_number, listed_from, id);
DROP INDEX corporate_accounts_owner;
