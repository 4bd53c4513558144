"""Discussion threads on the objects of the concertation: comments in the user's scope, hidden
(never deleted) by an admin. The rules are those of `store.concertation`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from store.concertation import (
    HIDDEN_TEXT,
    MAX_TEXT,
    MAX_TITLE,
    AccessRefusedError,
    Actor,
    NotFoundError,
    ObjectRef,
    audit_change,
    checked_text,
    now_text,
    object_values,
    ref_of,
    require_scope,
    scope_filter,
)
from store.database import Store
from store.models import Comment


@dataclass(frozen=True)
class CommentView:
    id: int
    obj: ObjectRef
    author: str
    organisation: str
    body: str  # HIDDEN_TEXT when hidden, except for admins
    created_at: str
    hidden: bool


def add_comment(store: Store, actor: Actor, obj: ObjectRef, body: str) -> CommentView:
    require_scope(actor, obj)
    values = {
        **object_values(obj),
        "author": actor.username,
        "organisation": actor.organisation,
        "body": checked_text(body, "commentaire", MAX_TEXT, required=True),
        "created_at": now_text(),
    }
    with store.write() as conn:
        comment_id = conn.execute(Comment.__table__.insert().values(**values)).inserted_primary_key[
            0
        ]
        audit_change(conn, actor, "commentaire", obj, commentaire=comment_id)
    (made,) = [c for c in thread(store, actor, obj) if c.id == comment_id]
    return made


def thread(store: Store, actor: Actor, obj: ObjectRef) -> list[CommentView]:
    """The comments on `obj`, oldest first."""
    require_scope(actor, obj)
    return list_comments(store, actor, obj=obj)


def list_comments(
    store: Store,
    actor: Actor,
    *,
    obj: ObjectRef | None = None,
    since: str | None = None,
    kinds: tuple[str, ...] = (),
    epci: tuple[str, ...] = (),
) -> list[CommentView]:
    query = select(Comment).where(scope_filter(Comment, actor.scope))
    if obj is not None:
        query = query.where(Comment.object_kind == obj.kind, Comment.object_key == obj.key)
    if since:
        query = query.where(Comment.created_at > since)
    if kinds:
        query = query.where(Comment.object_kind.in_(kinds))
    if epci:
        query = query.where(Comment.epci.in_(epci))
    with store.read() as conn:
        rows = conn.execute(query.order_by(Comment.id)).all()
    return [_comment(row, actor) for row in rows]


def comment_counts(store: Store, actor: Actor, kind: str) -> dict[str, int]:
    """Object key -> number of comments (hidden ones included: they stay in the thread) on the
    objects of `kind` in the actor's scope."""
    query = (
        select(Comment.object_key, func.count())
        .where(scope_filter(Comment, actor.scope), Comment.object_kind == kind)
        .group_by(Comment.object_key)
    )
    with store.read() as conn:
        return {str(key): int(n) for key, n in conn.execute(query)}


def hide_comment(store: Store, actor: Actor, comment_id: int, reason: str = "") -> CommentView:
    """Admins only: the comment stays stored, shown as hidden; the act is audited."""
    if actor.role != "admin":
        raise AccessRefusedError("Seule l'administration peut masquer un commentaire.")
    query = select(Comment).where(Comment.id == comment_id, scope_filter(Comment, actor.scope))
    with store.write() as conn:
        row = conn.execute(query).first()
        if row is None:
            raise NotFoundError(f"Commentaire n° {comment_id} introuvable dans votre périmètre.")
        obj = ref_of(row)
        if row.hidden_at is None:
            conn.execute(
                update(Comment)
                .where(Comment.id == comment_id)
                .values(hidden_by=actor.username, hidden_at=now_text())
            )
            motif = checked_text(reason, "motif", MAX_TITLE)
            audit_change(
                conn, actor, "commentaire_masque", obj, commentaire=comment_id, motif=motif
            )
    (hidden,) = [c for c in thread(store, actor, obj) if c.id == comment_id]
    return hidden


def _comment(row: Comment, actor: Actor) -> CommentView:
    hidden = row.hidden_at is not None
    body = row.body if not hidden or actor.role == "admin" else HIDDEN_TEXT
    return CommentView(
        row.id, ref_of(row), row.author, row.organisation, body, row.created_at, hidden
    )
