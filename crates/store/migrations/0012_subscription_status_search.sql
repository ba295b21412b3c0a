-- Searches by status count and page through this index (the caller's organisations, then the
-- status, in number order) instead of reading every subscription row of the company for its
-- status: `status=SUSPENDED` on a company of 100 000 read all 100 000 rows.
CREATE INDEX mobile_subscriptions_status ON mobile_subscriptions (org_number, status, msisdn);
