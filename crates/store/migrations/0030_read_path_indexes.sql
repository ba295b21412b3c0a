-- Indexes for the read paths of the benchmark table (docs/benchmarks.md, issue 17).

-- The contact list counts and pages the live contacts of an enterprise in name order. Partial
-- indexes of exactly those rows answer the count from the index alone and the page without a
-- sort; before, the count read every row (deleted_at is in no index) and the page sorted them.
CREATE INDEX contacts_live ON contacts (enterprise_id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_live_by_name ON contacts (enterprise_id, last_name, first_name, id)
    WHERE deleted_at IS NULL;

-- A queue's (or member's) lowest short number: with the number in the index the MIN is one
-- lookup, where the planner walked the enterprise's whole numbering plan for each queue.
DROP INDEX short_numbers_target;
CREATE INDEX short_numbers_target ON short_numbers (kind, target, enterprise_id, short_number);
