-- The open status a KPN order rests in until someone acts (Draft, WaitingForAuthorization,
-- ExternalScheduled, Suspended, Waiting, Initialized; NULL for an order the engine moves on its
-- clock). Such an order's engine due time is never reached, so the ticker leaves it alone.
ALTER TABLE kpn_orders ADD COLUMN held TEXT;
