"""Portal settings: where users and the audit trail live, how sessions and lockouts behave.

Read from the environment and `st.secrets`; every value is a named constant with the reason for it.
`read_settings` is a plain function (no Streamlit) so that tests can pass their own environment.
"""

from __future__ import annotations

import math
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from semantic.errors import PeuplementError
from store import Store, database_url, open_store

# PEUPLEMENT_AUDIT_FILE (AUDIT_FILE_ENV) names the audit location, data/audit/ by default
# (DEFAULT_AUDIT_FILE, git-ignored): the SQLite state store is created beside it.
from store.database import AUDIT_FILE_ENV, DEFAULT_AUDIT_FILE, audit_location  # noqa: F401

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# --- environment variables -------------------------------------------------------------------
DEMO_ENV = "PEUPLEMENT_DEMO"  # "1" forces demo mode, "0" forces production
USERS_FILE_ENV = "PEUPLEMENT_USERS_FILE"  # production users file, kept outside the repository
COOKIE_KEY_ENV = "PEUPLEMENT_COOKIE_KEY"  # used when st.secrets has no [auth] cookie_key
SECRETS_SECTION, SECRETS_COOKIE_KEY = "auth", "cookie_key"  # st.secrets["auth"]["cookie_key"]

# --- files -----------------------------------------------------------------------------------
# Demo accounts with published passwords: loaded only in demo mode, never in production.
DEMO_USERS_FILE = PROJECT_ROOT / "data" / "demo_users.yaml"
# The shared state (audit trail, failed-login counts, open sessions, concertation) is in the store
# (`store`): a SQLite file beside the audit location, or PEUPLEMENT_DATABASE_URL (PostgreSQL).

# --- session cookie --------------------------------------------------------------------------
# Name of the re-authentication cookie; specific to the portal so it never collides with another app.
COOKIE_NAME = "peuplement_session"
# A session lasts a working day: partners often use shared office computers (library default: 30).
SESSION_EXPIRY_DAYS = 1.0
# The cookie is an HS256 JWT: a short key could be brute-forced offline from one stolen cookie.
MIN_COOKIE_KEY_LENGTH = 32
# Long is not enough: 32 × "a" is 32 characters and no secret. The key's entropy is estimated as its
# length times the Shannon entropy of its characters' frequencies (bits per character): a random
# 32-character hex key scores about 120 bits (never under 95 in 2,000 draws), `token_urlsafe(48)`
# about 330, 32 × "a" zero, "ab" × 16 thirty-two.
MIN_COOKIE_KEY_BITS = 80
# Keys shipped by streamlit-authenticator (its default argument and its README example): public,
# so anyone could forge a session cookie signed with them.
LIBRARY_DEFAULT_COOKIE_KEYS = frozenset({"some_key", "some_signature_key", "random_signature_key"})
# Demo mode without a configured key: a random key per server process (sessions end at restart).
_DEMO_COOKIE_KEY = secrets.token_urlsafe(48)

# --- lockout ---------------------------------------------------------------------------------
# Five tries absorb typos; more would let an attacker guess online.
MAX_FAILED_LOGINS = 5
# Failures older than this are forgotten, so typos spread over a day never lock anyone out.
FAILURE_WINDOW_MINUTES = 15
# Long enough to make guessing impractical (at most 20 tries an hour), short enough that a locked-out
# partner does not need to call an administrator.
LOCKOUT_MINUTES = 15

_TRUE, _FALSE = ("1", "true", "oui", "yes"), ("0", "false", "non", "no")
_KEY_HOWTO = (
    f"Renseignez [{SECRETS_SECTION}] {SECRETS_COOKIE_KEY} dans .streamlit/secrets.toml ou la "
    f"variable d'environnement {COOKIE_KEY_ENV} : au moins {MIN_COOKIE_KEY_LENGTH} caractères "
    "tirés au hasard (pas une répétition ni un motif), par exemple la sortie de "
    '`python -c "import secrets; print(secrets.token_urlsafe(48))"`.'
)


class PortalConfigError(PeuplementError):
    """The portal cannot start safely with these settings; the message says what to fix."""


@dataclass(frozen=True)
class PortalSettings:
    demo: bool
    users_file: Path
    cookie_key: str
    cookie_key_is_ephemeral: bool  # demo mode without a configured key
    audit_file: Path  # the audit location: the default SQLite store sits beside it
    database_url: str  # the state store (store.database_url)
    cookie_name: str = COOKIE_NAME
    session_expiry_days: float = SESSION_EXPIRY_DAYS
    max_failed_logins: int = MAX_FAILED_LOGINS
    failure_window_seconds: int = FAILURE_WINDOW_MINUTES * 60
    lockout_seconds: int = LOCKOUT_MINUTES * 60

    @property
    def store(self) -> Store:
        """The state store, migrated to the latest schema on first use in this process."""
        return open_store(self.database_url)


def is_demo(environ: Mapping[str, str]) -> bool:
    """Demo when PEUPLEMENT_DEMO says so, or when it is unset and no production users file is named.

    A users file that is named but missing is an error, never a silent fallback to demo accounts.
    """
    flag = environ.get(DEMO_ENV, "").strip().lower()
    if flag in _TRUE:
        return True
    if flag in _FALSE:
        return False
    if flag:
        raise PortalConfigError(
            f"Valeur invalide pour {DEMO_ENV} : « {flag} ». Valeurs valides : 1 (démo) ou 0 (production)."
        )
    return not environ.get(USERS_FILE_ENV, "").strip()


def audit_file(environ: Mapping[str, str]) -> Path:
    return audit_location(environ)


def read_settings(
    environ: Mapping[str, str], secrets_cookie_key: str | None = None
) -> PortalSettings:
    """Check the settings as a whole; raise PortalConfigError saying what to fix."""
    demo = is_demo(environ)
    if demo and environ.get(USERS_FILE_ENV, "").strip():
        raise PortalConfigError(
            f"Démarrage refusé : {DEMO_ENV}=1 (mode démonstration, mots de passe publiés) et "
            f"{USERS_FILE_ENV} (fichier de production) sont définis ensemble. Le mode démonstration "
            f"ouvrirait les données de ce serveur aux comptes de démonstration : retirez {DEMO_ENV} "
            f"pour la production, ou {USERS_FILE_ENV} pour la démonstration."
        )
    users_file = DEMO_USERS_FILE if demo else _production_users_file(environ)
    configured = (secrets_cookie_key or environ.get(COOKIE_KEY_ENV, "")).strip()
    ephemeral = False
    if demo:
        if not configured or configured in LIBRARY_DEFAULT_COOKIE_KEYS:
            configured, ephemeral = _DEMO_COOKIE_KEY, True
    else:
        _check_cookie_key(configured)
    return PortalSettings(
        demo=demo,
        users_file=users_file,
        cookie_key=configured,
        cookie_key_is_ephemeral=ephemeral,
        audit_file=audit_file(environ),
        database_url=database_url(audit_file(environ), environ),
    )


def _production_users_file(environ: Mapping[str, str]) -> Path:
    value = environ.get(USERS_FILE_ENV, "").strip()
    if not value:
        raise PortalConfigError(
            f"Démarrage refusé : mode production ({DEMO_ENV}=0) sans fichier des utilisateurs. "
            f"Indiquez son chemin dans {USERS_FILE_ENV} (hors du dépôt), ou lancez la démo avec "
            f"{DEMO_ENV}=1."
        )
    path = Path(value).expanduser().resolve()
    if path == DEMO_USERS_FILE:
        raise PortalConfigError(
            f"Démarrage refusé : {USERS_FILE_ENV} désigne le fichier des comptes de démonstration "
            f"({path}), dont les mots de passe sont publiés. Utilisez un fichier de production."
        )
    if not path.is_file():
        raise PortalConfigError(
            f"Démarrage refusé : le fichier des utilisateurs {path} ({USERS_FILE_ENV}) est introuvable."
        )
    return path


def _check_cookie_key(key: str) -> None:
    if not key:
        raise PortalConfigError(
            "Démarrage refusé : aucune clé de cookie n'est configurée. Hors mode démo, le portail "
            "signe les cookies de session avec une clé secrète. " + _KEY_HOWTO
        )
    if key in LIBRARY_DEFAULT_COOKIE_KEYS:
        raise PortalConfigError(
            f"Démarrage refusé : la clé de cookie « {key} » est la clé par défaut de "
            "streamlit-authenticator ; elle est publique et permettrait à n'importe qui de forger "
            "un cookie de session. " + _KEY_HOWTO
        )
    if len(key) < MIN_COOKIE_KEY_LENGTH:
        raise PortalConfigError(
            f"Démarrage refusé : la clé de cookie est trop courte ({len(key)} caractères, minimum "
            f"{MIN_COOKIE_KEY_LENGTH}). " + _KEY_HOWTO
        )
    bits = key_entropy_bits(key)
    if bits < MIN_COOKIE_KEY_BITS:
        raise PortalConfigError(
            f"Démarrage refusé : la clé de cookie est trop prévisible ({len(set(key))} caractère(s) "
            f"différent(s), environ {bits:.0f} bits d'entropie estimée, minimum "
            f"{MIN_COOKIE_KEY_BITS}) : une clé faite de répétitions se devine et permettrait de "
            "forger un cookie de session. " + _KEY_HOWTO
        )


def key_entropy_bits(key: str) -> float:
    """Length × Shannon entropy of the characters' frequencies: a cheap upper bound that catches
    repetitions and tiny alphabets (it cannot see a predictable sequence of distinct characters)."""
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return len(key) * per_char + 0.0  # + 0.0: one repeated character is 0 bits, not -0
