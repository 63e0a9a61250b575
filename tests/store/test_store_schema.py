"""Opening a store: URLs, migrations run on open (on SQLite and PostgreSQL), the schema the models expect."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from quotegraph.store import StoreError, open_store, resolve_url
from quotegraph.store.db import current_revision, head_revision
from quotegraph.store.models import Base


def test_urls_resolve_to_what_a_user_means(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUOTEGRAPH_DB", raising=False)
    assert resolve_url(None) == "sqlite:///quotegraph.db"
    assert resolve_url("quotes.db") == "sqlite:///quotes.db"
    assert resolve_url("/tmp/x/quotes.db") == "sqlite:////tmp/x/quotes.db"
    assert resolve_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("QUOTEGRAPH_DB", "from-env.db")
    assert resolve_url(None) == "sqlite:///from-env.db"
    assert resolve_url("given.db") == "sqlite:///given.db"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("sqlite:////no/such/folder/q.db", "folder /no/such/folder does not exist"),
        ("postgresql://user@host:notaport/db", "not a database URL"),
        ("sqlite+nosuchdriver:///x.db", "cannot use"),
    ],
)
def test_unusable_urls_are_refused_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(StoreError, match=reason):
        open_store(url)


def test_a_new_store_is_migrated_to_head_and_matches_the_models(store_factory) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    store = store_factory.open()
    assert current_revision(store.engine) == head_revision()

    def only_mapped(obj, name, type_, reflected, compare_to) -> bool:
        # the full-text index is dialect-specific and deliberately not mapped (see models.py)
        return not (name or "").startswith("quotes_fts") and name not in (
            "search_vector",
            "ix_quotes_search_vector",
        )

    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": only_mapped})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    # opening again is a no-op, and the store keeps working
    again = open_store(store.url)
    assert again.generation() == 0
    again.close()


def test_a_store_from_a_newer_quotegraph_is_refused(store_factory) -> None:
    store = store_factory.open()
    with store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    with pytest.raises(StoreError, match="newer than this quotegraph knows"):
        open_store(store.url)


def test_concurrent_openers_of_a_new_sqlite_file_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    errors: list[BaseException] = []

    def open_once() -> None:
        try:
            open_store(url).close()
        except Exception as exc:  # noqa: BLE001 (collected: the assertion below shows it)
            errors.append(exc)

    threads = [threading.Thread(target=open_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    store = open_store(url)
    assert current_revision(store.engine) == head_revision()
    store.close()
