"""The tables of the state store. Times are epoch seconds (float) for the security state, which
compares them with a clock, and ISO 8601 UTC text for the audit trail, which is read as text."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, Integer, String, Text
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


# --- concertation: action plans, discussion threads, urban projects -------------------------------
# Every row carries the territory of the object it is about (EPCI, and commune when the object is
# finer): the scope checks compare a user's territories with these columns, never with a value
# sent by a browser.


class UrbanProject(Base):
    """A renouvellement urbain (ANRU) project: edited by admins and managers only."""

    __tablename__ = "urban_projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    epci: Mapped[str] = mapped_column(String(9), index=True)
    communes: Mapped[list[str]] = mapped_column(JSON)
    qpv: Mapped[list[str]] = mapped_column(JSON)  # QPV codes concerned
    residences: Mapped[list[str]] = mapped_column(JSON)  # residence ids concerned
    demolitions: Mapped[int] = mapped_column(Integer, default=0)  # dwellings to demolish
    rehousing: Mapped[int] = mapped_column(Integer, default=0)  # households to rehouse
    start: Mapped[str | None] = mapped_column(String(10))  # ISO dates
    end: Mapped[str | None] = mapped_column(String(10))
    organisation: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))


class ActionPlan(Base):
    """An action plan on a target, an alert, a residence or an urban project."""

    __tablename__ = "action_plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    object_kind: Mapped[str] = mapped_column(String(20))
    object_key: Mapped[str] = mapped_column(String(200))
    object_label: Mapped[str] = mapped_column(String(300))
    epci: Mapped[str | None] = mapped_column(String(9), index=True)
    commune: Mapped[str | None] = mapped_column(String(5), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str] = mapped_column(String(200))  # the owner: only it edits the plan
    created_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    due: Mapped[str | None] = mapped_column(String(10))  # ISO date
    indicator: Mapped[str | None] = mapped_column(String(100))
    value_at_creation: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[str] = mapped_column(String(40), index=True)
    updated_at: Mapped[str] = mapped_column(String(40), index=True)


class Comment(Base):
    """One message of the thread of an object; hidden by an admin, never deleted."""

    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    object_kind: Mapped[str] = mapped_column(String(20))
    object_key: Mapped[str] = mapped_column(String(200))
    object_label: Mapped[str] = mapped_column(String(300))
    epci: Mapped[str | None] = mapped_column(String(9), index=True)
    commune: Mapped[str | None] = mapped_column(String(5), index=True)
    author: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40), index=True)
    hidden_by: Mapped[str | None] = mapped_column(String(200))
    hidden_at: Mapped[str | None] = mapped_column(String(40))


class UserVisit(Base):
    """When a user last opened the home page: what « Quoi de neuf » counts from."""

    __tablename__ = "user_visits"
    username: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_seen: Mapped[str] = mapped_column(String(40))
