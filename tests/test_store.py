"""The state store itself: migrations on an empty database (SQLite and PostgreSQL), the round
trip down and up, where the store lives, and the JSON-lines export command."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, inspect

from cli.main import main
from store import open_store
from store.database import configured_url, forget_stores
from store.migrations.runner import downgrade, upgrade
from store.models import Base
from ui.shell import audit

STATE_TABLES = {"audit_events", "login_failures", "sessions"}


def tables(url: str) -> set[str]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_an_empty_database_is_upgraded_to_head_with_every_model_table(store_url):
    store = open_store(store_url)
    assert tables(store_url) == set(Base.metadata.tables)
    assert tables(store_url) >= STATE_TABLES
    assert store.dialect in ("sqlite", "postgresql")


def test_downgrade_to_base_then_upgrade_again_keeps_a_working_store(store_url):
    store = open_store(store_url)
    audit.record(store, "logout", user="a", role="admin", scope=None)
    downgrade(store.engine, "base")
    assert tables(store_url) == set()
    upgrade(store.engine, "head")
    assert tables(store_url) == set(Base.metadata.tables)
    assert audit.read_events(store) == []  # the tables are new and empty
    audit.record(store, "logout", user="b", role="admin", scope=None)
    assert [e["user"] for e in audit.read_events(store)] == ["b"]


def test_the_default_store_is_a_sqlite_file_beside_the_audit_location(tmp_path):
    env = {"PEUPLEMENT_AUDIT_FILE": str(tmp_path / "journal" / "audit.jsonl")}
    assert configured_url(env) == f"sqlite:///{tmp_path / 'journal' / 'peuplement.sqlite3'}"
    env["PEUPLEMENT_DATABASE_URL"] = "postgresql://u@h/db"
    assert configured_url(env) == "postgresql://u@h/db"


def test_audit_export_writes_json_lines_and_never_overwrites(tmp_path, monkeypatch, capsys):
    location = tmp_path / "audit" / "audit.jsonl"
    monkeypatch.setenv("PEUPLEMENT_AUDIT_FILE", str(location))
    audit.record(location, "login_success", user="p", role="partenaire", scope=None)
    audit.record(location, "export", user="p", role="partenaire", scope=None, details={"n": 2})
    out = tmp_path / "archive.jsonl"
    assert main(["audit", "export", "--out", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [e["event"] for e in lines] == ["login_success", "export"]
    assert list(lines[0]) == ["ts", "user", "role", "scope", "event", "details"]
    assert out.stat().st_mode & 0o777 == 0o640
    assert main(["audit", "export", "--out", str(out)]) == 2
    assert "existe déjà" in capsys.readouterr().err
    assert main(["audit", "export", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out == ""
    forget_stores()
