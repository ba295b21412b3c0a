-- 0023_kpn_users: reserved for KPN part 3; replaced by its tables.
SELECT 1;
