"""The access tables, declared once (the stores, the command lines and the tests import them), in the
application database beside the decision log.

- ``app_users``: one row per person who signs in to the dashboard; the password is stored as an argon2id
  hash (`credit_scoring.access.users`), never in clear.
- ``api_keys``: one row per service key; only a SHA-256 hash of the key is stored (a key is 256 random bits,
  so a fast hash is enough: nothing to guess), with its scopes and expiry (`credit_scoring.access.keys`).
- ``audit_events``: append-only from the application's side (`credit_scoring.access.audit`): who did what,
  to which client, when, from where; ``event_id`` (added after the first release: nullable, added to an
  existing table by `credit_scoring.database.create_tables`) makes a replay of the audit spool idempotent.

Times are ISO-8601 UTC text with milliseconds (`credit_scoring.records.utc_timestamp`), which sorts as time.
"""

from __future__ import annotations

import sqlalchemy as sa

# SQLite compares text bytewise; PostgreSQL by the database's collation unless told otherwise.
_BytewiseText = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
_ClientId = sa.Integer().with_variant(sa.BigInteger(), "postgresql")

metadata = sa.MetaData()

users = sa.Table(
    "app_users",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", _BytewiseText, nullable=False),
    sa.Column("updated_at", _BytewiseText, nullable=False),
    sa.Column("last_sign_in_at", _BytewiseText, nullable=True),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("key_hash", sa.Text, nullable=False, unique=True),
    sa.Column("scopes", sa.Text, nullable=False, doc="comma-separated, e.g. score,clients"),
    sa.Column("created_at", _BytewiseText, nullable=False),
    sa.Column("expires_at", _BytewiseText, nullable=True),
    sa.Column("revoked_at", _BytewiseText, nullable=True),
)

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column(
        "id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), primary_key=True, autoincrement=True
    ),
    sa.Column("at", _BytewiseText, nullable=False),
    sa.Column("actor", sa.Text, nullable=False, doc="user or key name; '-' when nobody was identified"),
    sa.Column("actor_kind", sa.Text, nullable=False, doc="user, key, system or anonymous"),
    sa.Column("action", sa.Text, nullable=False, doc="e.g. client.view, decision.served, sign_in.failure"),
    sa.Column("outcome", sa.Text, nullable=False, doc="ok, denied or failed"),
    sa.Column("client_id", _ClientId, nullable=True),
    sa.Column("address", sa.Text, nullable=True, doc="the caller's IP address"),
    sa.Column("request_id", sa.Text, nullable=True),
    sa.Column("detail", sa.Text, nullable=True, doc="JSON object: what else identifies the event"),
    sa.Column(
        "event_id",
        sa.Text,
        nullable=True,
        doc="unique, given when the event is recorded: a spool replayed twice never stores an event twice",
    ),
    sa.Index("ix_audit_events_client", "client_id"),
    sa.Index("ux_audit_events_event_id", "event_id", unique=True),
    sa.Index("ix_audit_events_actor", "actor"),
    sa.Index("ix_audit_events_at", "at"),
)
