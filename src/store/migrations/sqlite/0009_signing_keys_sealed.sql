-- The OAuth signing keys are kept sealed with the secrets key file (auth.secrets_key_file,
-- docs/security.md "Files on disk"): XChaCha20-Poly1305 text "sealed1.<base64url>", bound to the
-- key's kid. Keys an older version stored in clear PEM are sealed in place when the server next
-- loads its keys (taskwire serve, taskwire oauth rotate-key); the column is named for what it
-- holds from then on.
ALTER TABLE oauth_signing_keys RENAME COLUMN private_pem TO private_key_sealed;
