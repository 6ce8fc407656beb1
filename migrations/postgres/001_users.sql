-- Registered users and their API keys. A key is stored only as its SHA-256 digest, so checking
-- a key is one indexed lookup whatever the number of users; a user has at most one live key.
CREATE TABLE users (
  id            bigserial PRIMARY KEY,
  username      text NOT NULL UNIQUE,
  password_hash text NOT NULL,            -- PHC string (argon2id)
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id          bigserial PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  key_digest  bytea NOT NULL UNIQUE,      -- sha256(api key)
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE UNIQUE INDEX api_keys_one_live_per_user ON api_keys (user_id) WHERE revoked_at IS NULL;
