"""The speaker registry: one speaker across articles, and the names quotes are about.

Today a speaker is one row per canonical name and speaker type ('Boris Johnson', person); the mentions seen for it
('Johnson', 'the Prime Minister') are kept as aliases with counts. Merging across the corpus will get smarter (see
``assign_speaker``); everything that decides which row a record belongs to lives in that one function, so a better
merge replaces it and nothing else.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Table, case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from quotegraph.record import QuoteRecord
from quotegraph.store.models import NAME_LENGTH, entities, speaker_aliases, speakers

# A pronoun names no one: 'he' is not an alias of anybody.
_PRONOUN_WORDS = (
    "i me my we us our you your he him his she her hers it its they them their theirs one who whom this that "
    "these those someone somebody everyone"
)
PRONOUNS = frozenset(_PRONOUN_WORDS.split())


def clean_name(name: str) -> str:
    """A name as displayed: inner whitespace collapsed, cut to the column size."""
    return " ".join(name.split())[:NAME_LENGTH]


def name_key(name: str) -> str:
    """A name as compared: case-folded and whitespace-collapsed, so 'Boris  JOHNSON' finds 'Boris Johnson'."""
    return " ".join(name.casefold().split())[:NAME_LENGTH]


def assign_speaker(session: Session, record: QuoteRecord) -> int | None:
    """The registry id of ``record``'s speaker, created on first sight; None when the speaker is unresolved.

    The merge rule: same canonical name (compared by ``name_key``) and same speaker type -> same speaker. The
    record's mention, unless it is a pronoun, is counted as one of the speaker's aliases. Quote and article
    counts are kept by ``count_appearances``, once per article.
    """
    if record.speaker is None or not record.speaker.strip():
        return None
    name = clean_name(record.speaker)
    key = name_key(name)
    speaker_type = record.speaker_type
    find = select(speakers.c.id).where(speakers.c.name_key == key, speakers.c.type == speaker_type)
    speaker_id = session.execute(find).scalar()
    if speaker_id is None:
        insert_ignore(
            session,
            speakers,
            [{"name": name, "name_key": key, "type": speaker_type, "quote_count": 0, "article_count": 0}],
            ["name_key", "type"],
        )
        speaker_id = session.execute(find).scalar_one()
    mention = clean_name(record.mention or "")
    if mention and name_key(mention) not in PRONOUNS:
        add_counts(
            session,
            speaker_aliases,
            [{"speaker_id": speaker_id, "alias_key": name_key(mention), "alias": mention, "count": 1}],
            ["speaker_id", "alias_key"],
            "count",
        )
    return int(speaker_id)


def count_appearances(session: Session, quotes_by_speaker: Mapping[int, int], date: datetime.date | None) -> None:
    """Add one article's quotes to its speakers' counts (and stretch their first/last dates to ``date``).

    Increments, not recounts: two ingests committing at once on PostgreSQL both land.
    """
    for speaker_id, n_quotes in sorted(quotes_by_speaker.items()):
        values: dict[str, Any] = {
            "quote_count": speakers.c.quote_count + n_quotes,
            "article_count": speakers.c.article_count + 1,
        }
        if date is not None:
            values["first_date"] = case(
                (speakers.c.first_date.is_(None) | (speakers.c.first_date > date), date),
                else_=speakers.c.first_date,
            )
            values["last_date"] = case(
                (speakers.c.last_date.is_(None) | (speakers.c.last_date < date), date),
                else_=speakers.c.last_date,
            )
        session.execute(update(speakers).where(speakers.c.id == speaker_id).values(**values))


def assign_entities(session: Session, names: Iterable[str]) -> list[int]:
    """Entity ids for the names a quote is about (created on first sight), one per distinct name, in order."""
    by_key: dict[str, str] = {}
    for raw in names:
        name = clean_name(raw)
        if name:
            by_key.setdefault(name_key(name), name)
    if not by_key:
        return []
    keys = list(by_key)
    found = dict(session.execute(select(entities.c.key, entities.c.id).where(entities.c.key.in_(keys))).all())
    missing = [{"name": by_key[key], "key": key} for key in keys if key not in found]
    if missing:
        insert_ignore(session, entities, missing, ["key"])
        found.update(
            session.execute(
                select(entities.c.key, entities.c.id).where(entities.c.key.in_([row["key"] for row in missing]))
            ).all()
        )
    return [int(found[key]) for key in keys]


def dialect_insert(session: Session, table: Table) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (SQLite and PostgreSQL spell it the same)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"quotegraph stores need SQLite or PostgreSQL, not {dialect}")


def insert_ignore(session: Session, table: Table, rows: list[dict[str, Any]], conflict: list[str]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: a row another writer added first is left as it is."""
    session.execute(dialect_insert(session, table).on_conflict_do_nothing(index_elements=conflict), rows)


def add_counts(
    session: Session, table: Table, rows: list[dict[str, Any]], conflict: list[str], counter: str
) -> None:
    """INSERT, or on conflict add the new row's ``counter`` to the existing one (atomic on both engines)."""
    statement = dialect_insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=conflict, set_={counter: table.c[counter] + statement.excluded[counter]}
    )
    session.execute(statement, rows)
