"""referrals: referral, referral_event (append-only history), webhook_endpoint, webhook_delivery

Closing the loop of a warm handoff (CONTRACT §2.7): a referral holds no participant field, only the
service, need, program, intercept, an H3 cell (resolution 7) and a short reference code. Providers
may register webhook endpoints; each delivery is kept until delivered or given up.

Revision ID: 0010
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010"
down_revision = "0011"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "referral",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("service_id", sa.Text(), sa.ForeignKey("service.id", ondelete="CASCADE"), nullable=False),
        sa.Column("organization_id", sa.Text(), nullable=True),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("hold_id", sa.Text(), sa.ForeignKey("hold.id", ondelete="SET NULL"), nullable=True),
        sa.Column("program", sa.Text(), nullable=True),
        sa.Column("intercept", sa.Integer(), nullable=True),
        sa.Column("cell", sa.Text(), nullable=True),
        sa.Column("key_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("respond_by", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_referral_service_id", "referral", ["service_id"])
    op.create_index("ix_referral_organization_id", "referral", ["organization_id"])
    op.create_index("ix_referral_key_id", "referral", ["key_id"])
    op.create_index("ix_referral_created", "referral", ["created_at"])
    op.create_index(
        "uq_referral_open_reference",
        "referral",
        ["reference"],
        unique=True,
        postgresql_where=sa.text("state IN ('sent', 'accepted', 'arrived')"),
    )
    op.create_index("ix_referral_due", "referral", ["respond_by"], postgresql_where=sa.text("state = 'sent'"))

    op.create_table(
        "referral_event",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("referral_id", sa.Text(), sa.ForeignKey("referral.id", ondelete="CASCADE"), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_referral_event_referral_id", "referral_event", ["referral_id"])

    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("organization_id", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("key_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_webhook_endpoint_organization_id", "webhook_endpoint", ["organization_id"])

    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("endpoint_id", sa.Text(), sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("payload", JSONB(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("delivered_at", _TS, nullable=True),
    )
    op.create_index("ix_webhook_delivery_endpoint_id", "webhook_delivery", ["endpoint_id"])
    op.create_index(
        "ix_webhook_delivery_due",
        "webhook_delivery",
        ["next_attempt_at"],
        postgresql_where=sa.text("state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_endpoint")
    op.drop_table("referral_event")
    op.drop_table("referral")
