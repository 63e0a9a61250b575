"""The speaker registry: one speaker across articles, and the names quotes are about.

A speaker is one row per canonical name and speaker type ('Boris Johnson', person); the mentions seen for it
('Johnson', 'the Prime Minister') are kept as aliases with counts. ``assign_speaker`` decides which row a record
belongs to, with the rule of ``quotegraph.registry`` (the in-memory registry of ``quotegraph registry``):

- the same name (case-folded) and type is the same speaker;
- a surname alone ('Thompson') joins a full name ('Mark Thompson') only when exactly one person of that surname is
  known AND there is support: a quote of that person from the same outlet, or dates within ``MAX_GAP_DAYS`` of
  theirs. Two people of one surname stay apart; a bare surname in another outlet years later stays its own speaker;
- the other way round, a full name stored after its surname alone takes that surname's row over (quotes, aliases
  and counts), under the same two conditions, so the result does not depend on which article came first;
- an organization's acronym ('WHO') joins the one organization whose initials it is ('World Health Organization').

Plain SQL through SQLAlchemy Core (LIKE, EXISTS, row locks that SQLite ignores), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Table, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from quotegraph.record import QuoteRecord
from quotegraph.registry import initials_of
from quotegraph.registry import name_key as registry_key
from quotegraph.store.models import NAME_LENGTH, entities, quotes, speaker_aliases, speakers

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


def assign_speaker(session: Session, record: QuoteRecord, outlet: str | None = None) -> int | None:
    """The registry id of ``record``'s speaker, created on first sight; None when the speaker is unresolved.

    The merge rule is the module's (same name and type; a surname or acronym joins the one full name it can
    only be, when the same ``outlet`` or a near date supports it; a full name takes over its surname's earlier row
    likewise). The record's mention, unless it is a pronoun, is counted as one of the speaker's aliases. Quote and
    article counts are kept by ``count_appearances``, once per article.
    """
    if record.speaker is None or not record.speaker.strip():
        return None
    name = clean_name(record.speaker)
    key = name_key(name)
    speaker_type = record.speaker_type
    date = _parse_date(record.date)
    speaker_id = _find_speaker(session, key, speaker_type)
    if speaker_id is None:
        speaker_id = _join_target(session, name, key, speaker_type, outlet, date)
        if speaker_id is not None:
            _add_alias(session, speaker_id, name)  # 'Thompson' is now a way of writing 'Mark Thompson'
    if speaker_id is None:
        insert_ignore(
            session,
            speakers,
            [{"name": name, "name_key": key, "type": speaker_type, "quote_count": 0, "article_count": 0}],
            ["name_key", "type"],
        )
        speaker_id = _find_speaker(session, key, speaker_type)
        assert speaker_id is not None
        if speaker_type == "person" and len(key.split()) > 1:
            _take_over_surname(session, speaker_id, key, outlet, date)
    mention = clean_name(record.mention or "")
    if mention and _names_someone(mention):
        add_counts(
            session,
            speaker_aliases,
            [{"speaker_id": speaker_id, "alias_key": name_key(mention), "alias": mention, "count": 1}],
            ["speaker_id", "alias_key"],
            "count",
        )
    return int(speaker_id)


#: how far apart (in days) a surname's quotes and a full name's may be for the surname to join it without the
#: support of a shared outlet
MAX_GAP_DAYS = 365
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_ACRONYM_CANDIDATES = 5000  # organizations read when an acronym looks for its full name (by first letter)


def _parse_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _find_speaker(session: Session, key: str, speaker_type: str) -> int | None:
    """The row of a name and type. FOR KEY SHARE on PostgreSQL (nothing on SQLite): a concurrent take-over of
    this row waits until the quotes this transaction points at it are committed, and moves them too."""
    find = (
        select(speakers.c.id)
        .where(speakers.c.name_key == key, speakers.c.type == speaker_type)
        .with_for_update(read=True, key_share=True)
    )
    found = session.execute(find).scalar()
    return int(found) if found is not None else None


def _surname(key: str) -> str:
    words = [w for w in key.split() if w not in _SUFFIXES]
    return words[-1] if words else key


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _people_of_surname(session: Session, surname: str) -> list[Any]:
    """Person rows with two words or more whose surname is ``surname`` ('mark thompson', 'mark thompson jr.')."""
    word = _like_escape(surname)
    rows = session.execute(
        select(speakers.c.id, speakers.c.name_key, speakers.c.first_date, speakers.c.last_date).where(
            speakers.c.type == "person",
            speakers.c.name_key.like(f"% {word}", escape="\\") | speakers.c.name_key.like(f"% {word} %", escape="\\"),
        )
    ).all()
    return [r for r in rows if len(r.name_key.split()) > 1 and _surname(r.name_key) == surname]


def _supported(session: Session, speaker_id: int, outlet: str | None, date: datetime.date | None,
               first: datetime.date | None, last: datetime.date | None) -> str | None:
    """Why ``speaker_id`` and a record of ``outlet`` on ``date`` may be one person, or None: a quote of theirs from
    the same outlet, or dates within MAX_GAP_DAYS."""
    if outlet:
        shared = session.execute(
            select(quotes.c.id).where(quotes.c.speaker_id == speaker_id, quotes.c.outlet == outlet).limit(1)
        ).first()
        if shared is not None:
            return "same outlet"
    if date is not None and first is not None and last is not None:
        gap = max((first - date).days, (date - last).days, 0)
        if gap <= MAX_GAP_DAYS:
            return "near dates"
    return None


def _join_target(
    session: Session, name: str, key: str, speaker_type: str, outlet: str | None, date: datetime.date | None
) -> int | None:
    """The existing speaker a surname or an acronym stands for, when it can only be that one and is supported."""
    words = key.split()
    if len(words) != 1:
        return None
    if speaker_type == "person":
        candidates = _people_of_surname(session, words[0])
        if len(candidates) != 1:
            return None  # nobody, or two people of one surname: the surname stays its own speaker
        person = candidates[0]
        if _supported(session, person.id, outlet, date, person.first_date, person.last_date) is None:
            return None
        return int(person.id)
    letters = name.replace(".", "")
    if speaker_type == "organization" and letters.isupper() and 2 <= len(letters) <= 6:
        rows = session.execute(
            select(speakers.c.id, speakers.c.name_key)
            .where(speakers.c.type == "organization", speakers.c.name_key.like(f"{_like_escape(words[0][0])}%",
                                                                              escape="\\"))
            .limit(_ACRONYM_CANDIDATES)
        ).all()
        matches = [r for r in rows if len(r.name_key.split()) >= 2
                   and initials_of(registry_key(r.name_key)) == letters.lower()]
        if len(matches) == 1:
            return int(matches[0].id)
    return None


def _take_over_surname(
    session: Session, speaker_id: int, key: str, outlet: str | None, date: datetime.date | None
) -> None:
    """A full name seen for the first time takes over the row of its surname alone ('Thompson', stored from an
    earlier article), when it is the only person of that surname and the surname's quotes support it."""
    surname = _surname(key)
    if [r.id for r in _people_of_surname(session, surname)] != [speaker_id]:
        return
    short = session.execute(
        select(speakers.c.id, speakers.c.name, speakers.c.quote_count, speakers.c.article_count,
               speakers.c.first_date, speakers.c.last_date)
        .where(speakers.c.name_key == surname, speakers.c.type == "person")
        .with_for_update()
    ).first()
    if short is None or _supported(session, short.id, outlet, date, short.first_date, short.last_date) is None:
        return
    session.execute(update(quotes).where(quotes.c.speaker_id == short.id).values(speaker_id=speaker_id))
    moved = [
        {"speaker_id": speaker_id, "alias_key": row.alias_key, "alias": row.alias, "count": row.count}
        for row in session.execute(
            select(speaker_aliases.c.alias_key, speaker_aliases.c.alias, speaker_aliases.c.count).where(
                speaker_aliases.c.speaker_id == short.id
            )
        ).all()
    ]
    moved.append({"speaker_id": speaker_id, "alias_key": name_key(short.name), "alias": short.name,
                  "count": max(1, short.quote_count)})
    add_counts(session, speaker_aliases, moved, ["speaker_id", "alias_key"], "count")
    session.execute(delete(speaker_aliases).where(speaker_aliases.c.speaker_id == short.id))
    values: dict[str, Any] = {
        "quote_count": speakers.c.quote_count + short.quote_count,
        "article_count": speakers.c.article_count + short.article_count,
    }
    for column, date_value, older in (("first_date", short.first_date, ">"), ("last_date", short.last_date, "<")):
        if date_value is not None:
            current = speakers.c[column]
            later = current > date_value if older == ">" else current < date_value
            values[column] = case((current.is_(None) | later, date_value), else_=current)
    session.execute(update(speakers).where(speakers.c.id == speaker_id).values(**values))
    session.execute(delete(speakers).where(speakers.c.id == short.id))


def _names_someone(alias: str) -> bool:
    """False for a pronoun ('he', and so also 'WHO' and 'US', which the registry finds by their full names)."""
    return name_key(alias) not in PRONOUNS


def _add_alias(session: Session, speaker_id: int, alias: str) -> None:
    if _names_someone(alias):
        add_counts(
            session,
            speaker_aliases,
            [{"speaker_id": speaker_id, "alias_key": name_key(alias), "alias": alias, "count": 1}],
            ["speaker_id", "alias_key"],
            "count",
        )


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
