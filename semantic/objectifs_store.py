"""Changing objectifs.yaml: add, change or close a local target, never delete one.

Every change is checked on the WHOLE resulting list (`semantic.objectifs.parse_targets`, with the
lines of the file as it would be written) before anything is written; the file is then replaced in
one rename (temporary file in the same folder + `os.replace`), so a reader sees the old file or the
new one, never half of one. The file stays a readable YAML that version control diffs line by line:
one block per target, keys always in the same order, the comment header kept (comments inside the
list are not: the file is rewritten from its data). Each change returns its before → after for the
audit trail. No Streamlit here: the editor page (ui.screens.objectifs_edition.targets_editor) and tests call these functions.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from semantic.catalogue import Catalogue
from semantic.errors import DefinitionError, PeuplementError
from semantic.objectifs import LocalTargetDef, parse_targets
from semantic.yaml_lines import load_with_lines

# Key order of a written target (the model's order): a change touches only the lines it changes.
KEYS = tuple(LocalTargetDef.model_fields)
# The header of a file that has none (a file's own leading comments are kept).
HEADER = (
    "# Objectifs locaux (CIA, PSA, conventions de réservation), modifiés depuis la page « Objectifs\n"
    "# locaux » du portail ou à la main. Format : semantic/objectifs.py. Un objectif clos garde sa\n"
    "# date de clôture (clos_le) au lieu d'être supprimé.\n"
)
FIELD_LABELS = {
    "id": "Identifiant",
    "indicateur": "Indicateur",
    "territoire": "Territoire",
    "territoire.echelle": "Échelle du territoire",
    "territoire.code": "Code du territoire",
    "filtres": "Filtres",
    "annee": "Année",
    "sens": "Sens",
    "cible": "Cible",
    "tolerance": "Tolérance",
    "source": "Document source",
    "commentaire": "Commentaire",
    "clos_le": "Clos le",
}
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")  # written without quotes when YAML reads a str


class TargetEditError(PeuplementError):
    """A change refused: every problem, each naming the field (and the line in the new file)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            "Objectif non enregistré (objectifs.yaml est inchangé) :\n"
            + "\n".join(f"- {p}" for p in problems)
        )


@dataclass(frozen=True)
class TargetChange:
    """One change of objectifs.yaml, for the audit trail (JSON-ready values)."""

    action: str  # "ajout", "modification" or "cloture"
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return [k for k in KEYS if before.get(k) != after.get(k) and (k in before or k in after)]

    def audit_details(self) -> dict[str, Any]:
        return {
            "action": f"objectif_{self.action}",
            "objectif": self.target_id,
            "champs": self.changed_fields,
            "avant": self.before,
            "apres": self.after,
        }


# --- reading ------------------------------------------------------------------------------------


def read_entries(path: Path) -> list[dict[str, Any]]:
    """The targets of the file as plain dicts, in file order (an absent file has none)."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        data, _ = load_with_lines(path)
    except ValueError as exc:
        raise PeuplementError(str(exc)) from None
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("objectifs") or [], list):
        raise DefinitionError([f"{path.name}:1: le fichier doit contenir une liste « objectifs: »"])
    return [dict(e) if isinstance(e, dict) else e for e in data.get("objectifs") or []]


# --- changes ------------------------------------------------------------------------------------


def add_target(path: Path, entry: Mapping[str, Any], catalogue: Catalogue) -> TargetChange:
    """Add a new target (its id must not be used yet, closed targets included)."""
    new = _checked_entry(entry)
    with _locked(path):
        entries = read_entries(path)
        if any(isinstance(e, dict) and e.get("id") == new["id"] for e in entries):
            raise TargetEditError(
                [f"{FIELD_LABELS['id']} : « {new['id']} » est déjà utilisé par un autre objectif."]
            )
        _write(path, [*entries, new], catalogue)
    return TargetChange("ajout", new["id"], None, _jsonable(new))


def change_target(
    path: Path, target_id: str, entry: Mapping[str, Any], catalogue: Catalogue
) -> TargetChange:
    """Replace the fields of target `target_id` (its id cannot change)."""
    with _locked(path):
        entries = read_entries(path)
        index = _index(entries, target_id)
        new = _checked_entry({**entry, "id": target_id})
        before = entries[index]
        change = TargetChange("modification", target_id, _jsonable(before), _jsonable(new))
        if change.changed_fields:  # nothing changed: the file is not rewritten
            entries[index] = new
            _write(path, entries, catalogue)
    return change


def close_target(
    path: Path, target_id: str, closed_on: dt.date, catalogue: Catalogue
) -> TargetChange:
    """Close target `target_id` from `closed_on` on: it stays in the file for the record."""
    with _locked(path):
        entries = read_entries(path)
        index = _index(entries, target_id)
        before = entries[index]
        entries[index] = {**before, "clos_le": closed_on}
        _write(path, entries, catalogue)
    return TargetChange("cloture", target_id, _jsonable(before), _jsonable(entries[index]))


def _index(entries: list[dict[str, Any]], target_id: str) -> int:
    for i, e in enumerate(entries):
        if isinstance(e, dict) and e.get("id") == target_id:
            return i
    raise TargetEditError(
        [f"{FIELD_LABELS['id']} : aucun objectif « {target_id} » dans le fichier."]
    )


def _checked_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The entry in file order, after a check of its own fields with French messages."""
    raw = {k: entry[k] for k in KEYS if k in entry and entry[k] is not None}
    raw |= {k: v for k, v in entry.items() if k not in KEYS}  # refused below, by name
    try:
        LocalTargetDef.model_validate(raw)
        problems = []
    except ValidationError as exc:
        problems = [_french(err) for err in exc.errors()]
    filters = raw.get("filtres")
    if isinstance(filters, Mapping):  # an empty list would filter everything out
        problems += [
            f"{FIELD_LABELS['filtres']} : choisissez au moins une valeur pour « {dim} »"
            for dim, values in filters.items()
            if not values
        ]
    if problems:
        raise TargetEditError(problems)
    return raw


def _french(err: Mapping[str, Any]) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    label = FIELD_LABELS.get(loc) or FIELD_LABELS.get(str(err["loc"][0]), loc)
    ctx, kind = err.get("ctx") or {}, err["type"]
    if kind in ("missing", "string_too_short"):
        text = "obligatoire"
    elif kind == "greater_than_equal":
        text = f"doit être supérieur ou égal à {_scalar(ctx.get('ge'))}"
    elif kind == "less_than_equal":
        text = f"doit être inférieur ou égal à {_scalar(ctx.get('le'))}"
    elif kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", " ou ")
        text = f"valeur non admise (valeurs possibles : {expected})"
    elif kind == "extra_forbidden":
        text = "champ inconnu"
    elif kind.endswith("_parsing") or kind.endswith("_type"):
        text = f"valeur « {err.get('input')} » invalide ({err['msg']})"
    else:
        text = err["msg"]
    return f"{label} : {text}"


# --- writing ------------------------------------------------------------------------------------


def render(entries: list[dict[str, Any]], header: str = HEADER) -> str:
    """The file's text: the header, then one block per target, keys in model order."""
    out = [header.rstrip("\n"), "objectifs:"] if header.strip() else ["objectifs:"]
    for entry in entries:
        if not isinstance(entry, Mapping):  # a hand-broken item: kept, and refused by the check
            out.append(f"  - {_scalar(entry)}")
            continue
        keys = [k for k in KEYS if k in entry] + [k for k in entry if k not in KEYS]
        for n, key in enumerate(keys):
            out.append(f"{'  - ' if n == 0 else '    '}{key}: {_value(key, entry[key])}")
    if not entries:
        out[-1] = "objectifs: []"
    return "\n".join(out) + "\n"


def _value(key: str, value: Any) -> str:
    if key in ("code", "source", "commentaire", "sens"):  # always quoted: codes keep their zeros
        return _quoted(value)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_scalar(k)}: {_value(str(k), v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        two = f"{value:.2f}"  # 0.30 as a person writes it, when that is the exact value
        return two if float(two) == value else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if _PLAIN.match(text) and yaml.safe_load(text) == text:
        return text
    return _quoted(text)


def _quoted(value: Any) -> str:
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _header(path: Path) -> str:
    """The file's leading comment block, or the fixed header."""
    if not path.exists():
        return HEADER
    lines: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or (not line.strip() and lines):
            lines.append(line)
        else:
            break
    text = "\n".join(lines).rstrip()
    return text + "\n" if text else HEADER


def _write(path: Path, entries: list[dict[str, Any]], catalogue: Catalogue) -> None:
    """Check the whole new list as the file it would be, then put it in place in one rename."""
    path = Path(path)
    text = render(entries, _header(path))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        data, lines = load_with_lines(tmp)
        try:
            parse_targets(data, catalogue, where=path.name, lines=lines)
        except DefinitionError as exc:
            raise TargetEditError(exc.problems) from None
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One change at a time (two admins, two server processes): a lock on the folder itself, so
    a change never overwrites another made between its read and its write."""
    fd = os.open(Path(path).parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _jsonable(entry: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(dict(entry), default=str, ensure_ascii=False))
    return result
