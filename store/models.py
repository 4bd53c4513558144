"""The tables of the state store. Times are epoch seconds (float) for the security state, which
compares them with a clock, and ISO 8601 UTC text for the audit trail, which is read as text."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class AuditEvent(Base):
    """One line of the audit trail: inserted, never updated nor deleted by the portal."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ts: Mapped[str] = mapped_column(String(40), index=True)
    user: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(40))
    scope: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    event: Mapped[str] = mapped_column(String(40), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class LoginFailure(Base):
    """Failed logins of one username, keyed by an HMAC of it (never the typed text)."""

    __tablename__ = "login_failures"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[list[float]] = mapped_column(JSON)  # epoch seconds of the recent failures
    locked_until: Mapped[float] = mapped_column(Float, default=0.0)


class OpenSession(Base):
    """A session the portal opened and has not closed: keyed by a SHA-256 of its name."""

    __tablename__ = "sessions"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    expires: Mapped[float] = mapped_column(Float)
    fingerprint: Mapped[str] = mapped_column(String(64))
