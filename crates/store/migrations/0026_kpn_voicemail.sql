-- 0026_kpn_voicemail: reserved for KPN part 3; replaced by its tables.
SELECT 1;
