-- 0024_kpn_thresholds: reserved for KPN part 3; replaced by its tables.
SELECT 1;
