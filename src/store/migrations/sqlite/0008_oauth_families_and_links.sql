-- Refresh-token reuse detection (RFC 9700 §4.14.2, docs/oauth.md) and external-issuer subjects.

-- The token a rotation issued, so a retry can tell whether that successor was ever used; and
-- whether this (already rotated) token was already retried once, since only one retry is allowed.
ALTER TABLE oauth_refresh_tokens ADD COLUMN successor TEXT;
ALTER TABLE oauth_refresh_tokens ADD COLUMN retried INTEGER NOT NULL DEFAULT 0;

-- auth.mode = "external": the Taskwire user an issuer's subject ("iss" and "sub") acts for. A
-- token is mapped by this link only, never by a name claim; the first token of an unlinked
-- subject whose name claim equals a user's name exactly makes the link (auth.external_auto_link),
-- or an operator makes it (taskwire user link). One link per subject, one subject per user and
-- issuer.
CREATE TABLE external_identities (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  issuer TEXT NOT NULL,
  subject TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  UNIQUE (issuer, subject),
  UNIQUE (issuer, user_id)
);
