-- The built-in OAuth 2.1 authorization server (docs/oauth.md) and web sign-in sessions. Secrets
-- (codes, refresh tokens, client secrets, session cookies) are kept only as SHA-256 hex hashes.

-- ES256 keys that sign access tokens. One is active (retired_at NULL); a retired key is still
-- published at /oauth/jwks until the tokens it signed have expired.
CREATE TABLE oauth_signing_keys (
  kid TEXT PRIMARY KEY,
  private_pem TEXT NOT NULL,
  created_at TEXT NOT NULL,
  retired_at TEXT
);

-- Clients an operator added (`taskwire client add`) or that registered themselves (RFC 7591).
-- Clients identified by a metadata document (an https client_id) are fetched, not stored.
CREATE TABLE oauth_clients (
  client_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('registered', 'dynamic')),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  redirect_uris TEXT NOT NULL,  -- one per line
  secret_hash TEXT,             -- confidential clients only
  created_at TEXT NOT NULL
);

-- What a person allowed a client: one live grant per person and client.
CREATE TABLE oauth_grants (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  client_name TEXT NOT NULL,
  scopes TEXT NOT NULL,  -- space-separated
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE UNIQUE INDEX oauth_grants_live ON oauth_grants(user_id, client_id) WHERE revoked_at IS NULL;
CREATE INDEX oauth_grants_by_client ON oauth_grants(client_id);

-- The tokens one authorization code was exchanged for, and every refresh since: access tokens
-- name their family ("sid"), so revoking a family cuts them all off.
CREATE TABLE oauth_token_families (
  id TEXT PRIMARY KEY,
  grant_id INTEGER NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
  scopes TEXT NOT NULL,
  resource TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX oauth_token_families_by_grant ON oauth_token_families(grant_id);

CREATE TABLE oauth_codes (
  hash TEXT PRIMARY KEY,
  grant_id INTEGER NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  resource TEXT NOT NULL,
  scopes TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT,
  family_id TEXT  -- what the code was exchanged for, revoked if the code comes back
);

CREATE TABLE oauth_refresh_tokens (
  hash TEXT PRIMARY KEY,
  family_id TEXT NOT NULL REFERENCES oauth_token_families(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT,                           -- rotated: exchanged for its successor
  superseded INTEGER NOT NULL DEFAULT 0   -- replaced by a retry within the grace period
);
CREATE INDEX oauth_refresh_tokens_by_family ON oauth_refresh_tokens(family_id);

-- Signed-in browser sessions (the sign-in page, consent, connected apps).
CREATE TABLE web_sessions (
  hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_by_user ON web_sessions(user_id);
