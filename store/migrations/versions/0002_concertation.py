"""Concertation: action plans, discussion threads, urban projects, last visits.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _object_columns() -> list[sa.Column]:
    return [
        sa.Column("object_kind", sa.String(20), nullable=False),
        sa.Column("object_key", sa.String(200), nullable=False),
        sa.Column("object_label", sa.String(300), nullable=False),
        sa.Column("epci", sa.String(9)),
        sa.Column("commune", sa.String(5)),
    ]


def upgrade() -> None:
    op.create_table(
        "urban_projects",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("epci", sa.String(9), nullable=False),
        sa.Column("communes", sa.JSON(), nullable=False),
        sa.Column("qpv", sa.JSON(), nullable=False),
        sa.Column("residences", sa.JSON(), nullable=False),
        sa.Column("demolitions", sa.Integer(), nullable=False),
        sa.Column("rehousing", sa.Integer(), nullable=False),
        sa.Column("start", sa.String(10)),
        sa.Column("end", sa.String(10)),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_urban_projects_epci", "urban_projects", ["epci"])
    op.create_table(
        "action_plans",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        *_object_columns(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("due", sa.String(10)),
        sa.Column("indicator", sa.String(100)),
        sa.Column("value_at_creation", sa.Float()),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    for column in ("epci", "commune", "created_at", "updated_at"):
        op.create_index(f"ix_action_plans_{column}", "action_plans", [column])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        *_object_columns(),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("hidden_by", sa.String(200)),
        sa.Column("hidden_at", sa.String(40)),
    )
    for column in ("epci", "commune", "created_at"):
        op.create_index(f"ix_comments_{column}", "comments", [column])
    op.create_table(
        "user_visits",
        sa.Column("username", sa.String(200), primary_key=True),
        sa.Column("last_seen", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("user_visits")
    for column in ("epci", "commune", "created_at"):
        op.drop_index(f"ix_comments_{column}", "comments")
    op.drop_table("comments")
    for column in ("epci", "commune", "created_at", "updated_at"):
        op.drop_index(f"ix_action_plans_{column}", "action_plans")
    op.drop_table("action_plans")
    op.drop_index("ix_urban_projects_epci", "urban_projects")
    op.drop_table("urban_projects")
