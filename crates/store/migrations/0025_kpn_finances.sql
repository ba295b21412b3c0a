-- 0025_kpn_finances: reserved for KPN part 3; replaced by its tables.
SELECT 1;
