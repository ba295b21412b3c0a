-- Placeholder: the account documents migration is being written.
SELECT 1;
