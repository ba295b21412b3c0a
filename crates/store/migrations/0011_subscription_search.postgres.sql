-- Placeholder: the subscription search migration is being written.
SELECT 1;
