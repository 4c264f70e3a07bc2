-- API keys (personal access tokens). Only the SHA-256 of a key is kept; `prefix` is its first
-- characters, so people can tell their keys apart.
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,  -- space-separated
  review INTEGER NOT NULL DEFAULT 0 CHECK (review IN (0, 1)),
  created_at TEXT NOT NULL,
  expires_at TEXT,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE INDEX api_keys_by_user ON api_keys(user_id);
