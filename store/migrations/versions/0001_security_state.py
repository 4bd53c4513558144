"""Security state shared by every server process: audit trail, login failures, open sessions.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ts", sa.String(40), nullable=False),
        sa.Column("user", sa.String(200)),
        sa.Column("role", sa.String(40)),
        sa.Column("scope", sa.JSON()),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_events_ts", "audit_events", ["ts"])
    op.create_index("ix_audit_events_event", "audit_events", ["event"])
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("locked_until", sa.Float(), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("expires", sa.Float(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )
    op.create_index("ix_sessions_username", "sessions", ["username"])


def downgrade() -> None:
    op.drop_index("ix_sessions_username", "sessions")
    op.drop_table("sessions")
    op.drop_table("login_failures")
    op.drop_index("ix_audit_events_event", "audit_events")
    op.drop_index("ix_audit_events_ts", "audit_events")
    op.drop_table("audit_events")
