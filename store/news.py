"""« Quoi de neuf » : what changed in the concertation since a user's last visit, in their scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select

from store.concertation import OPEN_STATUSES, Actor, now_text
from store.database import Store
from store.models import UserVisit
from store.plans import Plan, list_plans
from store.threads import CommentView, list_comments

# A plan due within this many days counts as « à échéance ».
DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class News:
    since: str | None  # the previous visit (ISO UTC), None on a first visit
    comments: list[CommentView]  # by others, since the last visit
    new_plans: list[Plan]  # created or changed by others since the last visit
    due_soon: list[Plan]  # open, due within DUE_SOON_DAYS
    late: list[Plan]  # open, past their due date

    @property
    def empty(self) -> bool:
        return not (self.comments or self.new_plans or self.due_soon or self.late)


def last_visit(store: Store, username: str) -> str | None:
    with store.read() as conn:
        return conn.execute(
            select(UserVisit.last_seen).where(UserVisit.username == username)
        ).scalar()


def record_visit(store: Store, username: str, when: str | None = None) -> None:
    with store.write() as conn:
        conn.execute(delete(UserVisit).where(UserVisit.username == username))
        conn.execute(
            UserVisit.__table__.insert().values(username=username, last_seen=when or now_text())
        )


def whats_new(store: Store, actor: Actor, since: str | None, today: dt.date) -> News:
    comments = [c for c in list_comments(store, actor, since=since) if c.author != actor.username]
    open_plans = list_plans(store, actor, statuses=OPEN_STATUSES)
    late = [p for p in open_plans if p.late(today)]
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    due_soon = [p for p in open_plans if p.due is not None and today <= p.due <= soon]
    changed = [
        p
        for p in list_plans(store, actor)
        if p.created_by != actor.username and (since is None or p.updated_at > since)
    ]
    return News(since, comments, changed, due_soon, late)
