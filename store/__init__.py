"""The shared state store: what several portal processes (or machines) must see alike.

SQLAlchemy 2 models (`store.models`) migrated by Alembic (`store/migrations`, run on start), on a
SQLite file beside the audit trail by default, or on PostgreSQL when PEUPLEMENT_DATABASE_URL is
set. No Streamlit here: the CLI, queries and tests use it the same way the portal does.
"""

from store.database import DATABASE_URL_ENV, SQLITE_FILENAME, Store, database_url, open_store

__all__ = ["DATABASE_URL_ENV", "SQLITE_FILENAME", "Store", "database_url", "open_store"]
