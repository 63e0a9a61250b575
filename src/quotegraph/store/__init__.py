"""The quote store: articles, quotes and speakers in SQLite (default) or PostgreSQL, with full-text search.

``open_store(url)`` opens (creating and migrating) a store; ``ingest`` fills it; ``search`` and ``browse`` read it.
"""

from __future__ import annotations

from quotegraph.store.db import DEFAULT_URL, ENV_VAR, Store, StoreError, open_store, resolve_url

__all__ = ["DEFAULT_URL", "ENV_VAR", "Store", "StoreError", "open_store", "resolve_url"]
