-- Client secrets the Developer Portal can reveal, and rotation with an overlap. Next to the
-- Argon2id hash (verification) a client credential keeps its secret sealed with the node's seal
-- key (XChaCha20-Poly1305, the client id as associated data); credentials made before carry
-- none and cannot be revealed until rotated. After a rotation with an overlap the previous
-- secret's hash verifies too, until previous_valid_until.
ALTER TABLE client_credentials ADD COLUMN sealed_secret TEXT;
ALTER TABLE client_credentials ADD COLUMN previous_secret_hash TEXT;
ALTER TABLE client_credentials ADD COLUMN previous_valid_until BIGINT;
