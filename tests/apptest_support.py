"""What the AppTest page tests share: the demo accounts of the roles, the portal's environment in
demo mode over a data root, a session preset as logged in (as streamlit-authenticator stores it),
a small demo root, and the media a download button serves.

Plain functions: each test module keeps its own fixtures (their scope and data root differ) and
calls these from them. tests/conftest.py registers this module for pytest's assertion rewriting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
HOME = str(ROOT / "Home.py")
# The demo account of each role (data/demo's users, served in demo mode).
ACCOUNTS = {
    "admin": "admin.demo",
    "manager": "direction.demo",
    "charge_clientele": "clientele.demo",
    "partenaire": "partenaire.voironnais",
}


def steady_navigation(monkeypatch) -> None:
    """Run AppTest as a live server runs after its first script run.

    With a `pages/` folder next to the entrypoint, Streamlit starts each process in the legacy
    "pages directory" mode until the first `st.navigation` call switches it off for good. AppTest
    resets that flag before every run, which would run a switched-to page without Home.py (no
    navigation, no sidebar). Pinning the flag off gives the behaviour users get.
    """

    class SteadyPagesManager(PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    monkeypatch.setattr("streamlit.testing.v1.app_test.PagesManager", SteadyPagesManager)


def portal(monkeypatch, tmp_path: Path, root: Path, audit_file: Path | None = None) -> Path:
    """The portal in demo mode over `root`, its audit trail in the test's own folder (returned)."""
    for name in ("PEUPLEMENT_USERS_FILE", "PEUPLEMENT_COOKIE_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PEUPLEMENT_DEMO", "1")
    monkeypatch.setenv("PEUPLEMENT_DATA_DIR", str(root))
    audit_file = audit_file or tmp_path / "audit" / "audit.jsonl"
    monkeypatch.setenv("PEUPLEMENT_AUDIT_FILE", str(audit_file))
    return audit_file


def small_demo(tmp_path_factory, snapshots: int = 2) -> Path:
    """A small root from the demo generator: realistic volumes, so a partner's EPCI figures are
    above the secrecy threshold."""
    from ingest.demo import generate

    root = tmp_path_factory.mktemp("demo") / "root"
    return generate(root, logements=3000, snapshots=snapshots).out


def logged_in(
    username: str, script: str = HOME, *, name: str | None = None, timeout: float = 120
) -> AppTest:
    """An AppTest of `script` whose session is logged in as `username`, not yet run."""
    at = AppTest.from_file(script, default_timeout=timeout)
    at.secrets["unrelated"] = "x"  # never read a developer's real secrets.toml
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = name
    for key in ("email", "roles", "logout"):
        at.session_state[key] = None
    return at


def checked(at: AppTest) -> AppTest:
    """`at` after a run that raised nothing and showed no error."""
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def run_with(at: AppTest, widgets: dict) -> AppTest:
    """Run `at`, then set each widget (key → value) and run again; nothing may go wrong."""
    at.run()
    for key, value in widgets.items():
        widget = next(w for w in at.main if getattr(w, "key", None) == key)
        widget.set_value(value)
        at.run()
    return checked(at)


def charts(at: AppTest) -> list:
    """Altair charts. STYLE.md names them "arrow_vega_lite_chart"; Streamlit 1.67's element type
    is "vega_lite_chart": both are asked for, so the test reads the one this version writes."""
    return list(at.get("arrow_vega_lite_chart")) + list(at.get("vega_lite_chart"))


@dataclass
class Media:
    """The media of AppTest runs: the in-memory stores (files a button serves) and the managers
    (the builders of buttons whose file is made on click)."""

    stores: list[MemoryMediaFileStorage] = field(default_factory=list)
    managers: list[MediaFileManager] = field(default_factory=list)


def kept_media(monkeypatch) -> Media:
    """The media of the runs, to read what a download button serves."""
    media = Media()

    class KeptStorage(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            media.stores.append(self)

    class KeptManager(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            media.managers.append(self)

    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", KeptStorage)
    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", KeptManager)
    return media


def served(media: Media, button) -> bytes:
    """What a download button serves, from the latest run that holds it. A button whose file is
    built on click (no URL, a deferred id) is clicked as the browser does: its builder runs now,
    once per call."""
    url = button.proto.url
    if not url and button.proto.deferred_file_id:
        url = _built(media, button.proto.deferred_file_id)
    name = url.rsplit("/", 1)[-1]
    for store in reversed(media.stores):
        try:
            return store.get_file(name).content
        except MediaFileStorageError:  # served by an earlier run
            continue
    raise AssertionError(f"{name} not served")


def _built(media: Media, deferred_id: str) -> str:
    for manager in reversed(media.managers):
        try:
            return manager.execute_deferred(deferred_id)
        except MediaFileStorageError as exc:
            if "not found" in str(exc):  # registered by another run
                continue
            raise
    raise AssertionError(f"no builder for the download {deferred_id}")


def exported_trail(audit_file: Path) -> str:
    """The audit trail of the store at `audit_file`, as `peuplement audit export` writes it."""
    import io

    from store.audit import export_jsonl
    from ui.shell import audit

    out = io.StringIO()
    export_jsonl(audit.read_events(audit_file), out)
    return out.getvalue()


def stored_text(audit_file: Path) -> str:
    """All the portal wrote about users, as text: the audit trail exported as JSON lines, then
    every byte of the SQLite state database beside `audit_file` (its WAL included), so that a
    secret written in any table, or left in a free page, shows up."""
    raw = b"".join(p.read_bytes() for p in sorted(audit_file.parent.glob("peuplement.sqlite3*")))
    return exported_trail(audit_file) + raw.decode("utf-8", errors="replace")
