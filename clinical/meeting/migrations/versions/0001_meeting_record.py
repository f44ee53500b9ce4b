"""The meeting record: meetings and their cases (consensus and outcome on the case row).

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "meeting_case",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "meeting_id", sa.Integer(), sa.ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("case_json", sa.JSON(), nullable=False),
        sa.Column("plan_json", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("decision", sa.String(20)),
        sa.Column("operation", sa.String(60)),
        sa.Column("targets", sa.JSON()),
        sa.Column("next_tests", sa.JSON()),
        sa.Column("note", sa.Text()),
        sa.Column("attendees", sa.JSON()),
        sa.Column("follows_plan", sa.Boolean()),
        sa.Column("departure_reason", sa.Text()),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("outcome_operation", sa.String(60)),
        sa.Column("found_site", sa.String(60)),
        sa.Column("found_side", sa.String(20)),
        sa.Column("also_found", sa.JSON()),
        sa.Column("histology", sa.String(40)),
        sa.Column("cured_6m", sa.Boolean()),
        sa.Column("outcome_at", sa.DateTime(timezone=True)),
        sa.Column("outcome_by", sa.String(100)),
        sa.UniqueConstraint("meeting_id", "case_id", name="uq_meeting_case"),
    )
    op.create_index("ix_meeting_case_case_id", "meeting_case", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_meeting_case_case_id", table_name="meeting_case")
    op.drop_table("meeting_case")
    op.drop_table("meeting")
