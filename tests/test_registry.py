"""The cross-corpus speaker registry: who is one entity across articles, and who stays apart."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from quotegraph.registry import Appearance, SpeakerRegistry

D = datetime.date


def seen(name: str, article: str, outlet: str | None, date: datetime.date | None, kind: str = "person",
         mention: str | None = None) -> Appearance:
    return Appearance(name=name, speaker_type=kind, article_id=article, outlet=outlet, date=date, mention=mention)


def test_one_full_name_across_articles_is_one_entity() -> None:
    registry = SpeakerRegistry.build([
        seen("Mark Thompson", "a1", "Herald", D(2024, 3, 1), mention="Mr. Thompson"),
        seen("Mark Thompson", "a2", "Gazette", D(2024, 5, 9)),
        seen("mark  thompson", "a3", "Gazette", D(2024, 6, 1)),
    ])
    (entity,) = registry.entities.values()
    assert entity.name == "Mark Thompson" and len(entity.articles) == 3 and entity.quotes == 3
    assert "Mr. Thompson" in entity.aliases


def test_a_bare_surname_joins_the_only_person_of_that_name_with_support() -> None:
    registry = SpeakerRegistry.build([
        seen("Mark Thompson", "a1", "Herald", D(2024, 3, 1)),
        seen("Thompson", "a2", "Herald", D(2024, 3, 2)),
    ])
    assert registry.entity_for("Thompson", "person") is registry.entity_for("Mark Thompson", "person")
    assert registry.entity_for("Thompson", "person").merged_by  # the evidence says why


def test_two_people_of_one_surname_stay_apart_and_the_bare_surname_joins_neither() -> None:
    registry = SpeakerRegistry.build([
        seen("Mark Thompson", "a1", "Herald", D(2024, 3, 1)),
        seen("Dana Thompson", "a2", "Herald", D(2024, 3, 2)),
        seen("Thompson", "a3", "Herald", D(2024, 3, 3)),
    ])
    mark, dana = registry.entity_for("Mark Thompson", "person"), registry.entity_for("Dana Thompson", "person")
    bare = registry.entity_for("Thompson", "person")
    assert mark is not dana and bare is not mark and bare is not dana


def test_no_merge_by_surname_alone_across_outlets_and_years() -> None:
    registry = SpeakerRegistry.build([
        seen("Mark Thompson", "a1", "Herald", D(2019, 3, 1)),
        seen("Thompson", "a2", "Gazette", D(2024, 8, 2)),
    ])
    assert registry.entity_for("Thompson", "person") is not registry.entity_for("Mark Thompson", "person")


def test_order_of_the_articles_does_not_matter() -> None:
    facts = [seen("Thompson", "a2", "Herald", D(2024, 3, 2)), seen("Mark Thompson", "a1", "Herald", D(2024, 3, 1))]
    a = SpeakerRegistry.build(facts).to_list()
    b = SpeakerRegistry.build(list(reversed(facts))).to_list()
    assert [e["name"] for e in a] == [e["name"] for e in b] == ["Mark Thompson"]


def test_an_acronym_joins_its_organization() -> None:
    registry = SpeakerRegistry.build([
        seen("World Health Organization", "a1", None, None, kind="organization"),
        seen("WHO", "a2", None, None, kind="organization"),
    ])
    assert len(registry.entities) == 1


def test_knowledge_base_links_only_unambiguous_names(tmp_path: Path) -> None:
    kb = tmp_path / "kb.jsonl"
    kb.write_text("\n".join(json.dumps(e) for e in [
        {"id": "Q1", "label": "Mark Thompson", "aliases": []},
        {"id": "Q2", "label": "World Health Organization", "aliases": ["WHO"]},
        {"id": "Q3", "label": "John Smith"}, {"id": "Q4", "label": "John Smith"},
    ]))
    registry = SpeakerRegistry.build([
        seen("Mark Thompson", "a1", None, None),
        seen("John Smith", "a2", None, None),
        seen("World Health Organization", "a3", None, None, kind="organization"),
    ])
    assert registry.link_knowledge_base(kb) == 2
    assert registry.entity_for("Mark Thompson", "person").kb_id == "Q1"
    assert registry.entity_for("John Smith", "person").kb_id is None  # two John Smiths: no guess
