"""Speakers across the corpus: one entity per person or organization, with aliases and article counts.

Within an article, ``speakers.resolve_speakers`` already gives each quote the fullest name the article uses. This
module decides which of those names, across articles, are the same entity:

- the same full name (two words or more, compared without case, accents or punctuation) and the same type are one
  entity: 'Mark Thompson' in March and in May;
- a surname or single name ('Thompson') joins a full-name entity only when exactly one known person has that
  surname AND there is support: the same outlet, or dates within ``max_gap_days`` of that person's quotes. Two
  people of one surname stay apart, and a bare surname in another outlet years later stays its own entity;
- an organization's acronym ('WHO') joins the one organization whose initials it is ('World Health Organization');
- with a knowledge-base file a user supplies (JSON lines ``{"id": "Q123", "label": ..., "aliases": [...]}``; no
  network), entities whose name or alias matches exactly one entry get its id.

The registry is order-independent: ``build`` takes all (record, article) facts first and merges afterwards, so the
result does not depend on which article was read first.
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_STOP = frozenset("of the and for de".split())


def name_key(name: str) -> str:
    """A name as compared: no accents, case or punctuation; 'the' dropped."""
    name = unicodedata.normalize("NFKD", name)
    name = "".join(ch for ch in name if not unicodedata.combining(ch)).lower()
    name = re.sub(r"[^\w\s]", " ", name)
    words = name.split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def surname_of(key: str) -> str:
    words = [w for w in key.split() if w not in _SUFFIXES]
    return words[-1] if words else key


def initials_of(key: str) -> str:
    return "".join(w[0] for w in key.split() if w not in _STOP)


@dataclass
class Appearance:
    """One article's use of a speaker name."""

    name: str
    speaker_type: str
    article_id: str
    outlet: str | None
    date: datetime.date | None
    mention: str | None = None


@dataclass
class Entity:
    id: str
    name: str
    speaker_type: str
    aliases: dict[str, int] = field(default_factory=dict)  # name or mention as written -> times seen
    articles: set[str] = field(default_factory=set)
    quotes: int = 0
    outlets: set[str] = field(default_factory=set)
    first_date: datetime.date | None = None
    last_date: datetime.date | None = None
    kb_id: str | None = None
    merged_by: list[str] = field(default_factory=list)  # why names were joined, for the evidence

    def add(self, a: Appearance) -> None:
        self.aliases[a.name] = self.aliases.get(a.name, 0) + 1
        mention = a.mention
        if mention and mention.lower() not in _PRONOUNS and mention != a.name and "," not in mention:
            if len(mention.split()) <= 5:  # 'Mr. Thompson', not 'Thompson, who runs the firm'
                self.aliases[mention] = self.aliases.get(mention, 0) + 1
        self.articles.add(a.article_id)
        self.quotes += 1
        if a.outlet:
            self.outlets.add(a.outlet)
        if a.date:
            self.first_date = min(self.first_date or a.date, a.date)
            self.last_date = max(self.last_date or a.date, a.date)

    def near(self, date: datetime.date | None, max_gap_days: int) -> bool:
        if date is None or self.first_date is None or self.last_date is None:
            return False
        gap = max((self.first_date - date).days, (date - self.last_date).days, 0)
        return gap <= max_gap_days

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.speaker_type,
            "aliases": dict(sorted(self.aliases.items(), key=lambda kv: (-kv[1], kv[0]))),
            "articles": len(self.articles),
            "quotes": self.quotes,
            "outlets": sorted(self.outlets),
            "first_date": self.first_date.isoformat() if self.first_date else None,
            "last_date": self.last_date.isoformat() if self.last_date else None,
            "kb_id": self.kb_id,
            "merged_by": self.merged_by,
        }


_PRONOUNS = frozenset("i me we us you he him she her it they them who this that".split())


@dataclass
class SpeakerRegistry:
    max_gap_days: int = 365
    entities: dict[str, Entity] = field(default_factory=dict)
    by_name: dict[tuple[str, str], str] = field(default_factory=dict)  # (name key, type) -> entity id

    @classmethod
    def build(cls, appearances: Iterable[Appearance], *, max_gap_days: int = 365) -> SpeakerRegistry:
        registry = cls(max_gap_days=max_gap_days)
        pending = sorted(appearances, key=lambda a: (len(name_key(a.name).split()) < 2, a.date or datetime.date.min,
                                                     a.article_id, a.name))
        # full names first, so that short forms can find what they might join
        for a in pending:
            registry.add(a)
        return registry

    def entity_for(self, name: str, speaker_type: str) -> Entity | None:
        entity_id = self.by_name.get((name_key(name), speaker_type))
        return self.entities.get(entity_id) if entity_id else None

    def add(self, a: Appearance) -> Entity:
        key = name_key(a.name)
        found = self.by_name.get((key, a.speaker_type))
        entity = self.entities[found] if found else self._join_or_create(a, key)
        self.by_name.setdefault((key, a.speaker_type), entity.id)
        entity.add(a)
        return entity

    def _join_or_create(self, a: Appearance, key: str) -> Entity:
        target, reason = self._joinable(a, key)
        if target is not None:
            target.merged_by.append(f"'{a.name}' ({a.article_id}) joined: {reason}")
            return target
        entity = Entity(id=f"{a.speaker_type[:3]}-{len(self.entities) + 1}", name=a.name, speaker_type=a.speaker_type)
        self.entities[entity.id] = entity
        return entity

    def _joinable(self, a: Appearance, key: str) -> tuple[Entity | None, str]:
        words = key.split()
        if a.speaker_type == "person" and len(words) == 1:
            same_surname = [
                e for e in self.entities.values()
                if e.speaker_type == "person" and len(name_key(e.name).split()) > 1
                and surname_of(name_key(e.name)) == words[0]
            ]
            if len(same_surname) != 1:
                return None, ""
            person = same_surname[0]
            if a.outlet and a.outlet in person.outlets:
                return person, f"the only '{words[0]}' known, quoted by the same outlet ({a.outlet})"
            if person.near(a.date, self.max_gap_days):
                return person, f"the only '{words[0]}' known, quoted within {self.max_gap_days} days"
            return None, ""
        if a.speaker_type == "organization" and len(words) == 1 and 2 <= len(words[0]) <= 6:
            matches = [
                e for e in self.entities.values()
                if e.speaker_type == "organization" and initials_of(name_key(e.name)) == words[0]
            ]
            if len(matches) == 1:
                return matches[0], f"'{a.name}' is the initials of '{matches[0].name}'"
        return None, ""

    def link_knowledge_base(self, path: Path) -> int:
        """Give entities the id of the one knowledge-base entry whose label or alias matches; returns how many."""
        index: dict[str, set[str]] = {}
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                entry = json.loads(line)
                for label in [entry.get("label", "")] + list(entry.get("aliases", [])):
                    if label:
                        index.setdefault(name_key(label), set()).add(str(entry["id"]))
        linked = 0
        for entity in self.entities.values():
            candidates: set[str] = set()
            for name in [entity.name, *entity.aliases]:
                candidates |= index.get(name_key(name), set())
            if len(candidates) == 1:
                entity.kb_id = next(iter(candidates))
                linked += 1
        return linked

    def to_list(self) -> list[dict[str, object]]:
        return [e.to_dict() for e in sorted(self.entities.values(), key=lambda e: (-len(e.articles), e.name))]
