"""Speaker resolution in the article (issue 4): pronouns, name forms, descriptors, organizations, anonymous
sources, what a quote is about, and the evidence behind each attribution. Texts written for these tests."""

from __future__ import annotations

from quotegraph import QuoteRecord, extract

COURT = (
    "Mark Thompson, 58, the chief executive of Harbour Freight, appeared in court on Monday with his wife, "
    "Dana Thompson.\n"
    "Karen Webb, an attorney who represents the victims' families, told reporters the company had ignored "
    "repeated warnings.\n"
    '"They knew the crane was unsafe and they did nothing," she said.\n'
    "Thompson denied the charges. \"I have never put a worker at risk,\" he said outside the courthouse.\n"
    'His wife stood beside him. She admitted: "We have not slept for weeks."\n'
    '"The evidence will speak for itself," the attorney said.\n'
    '"He never told his wife anything about the inspections," Webb added.\n'
)

PALACE = (
    "The King has cancelled his visit to Canada, a palace insider said on Tuesday.\n"
    '"He is exhausted and his doctors were firm," the insider said. "Nobody wanted this."\n'
    '"It was the right call," our source added.\n'
    "People familiar with the matter said the decision was taken late on Monday.\n"
)

ACTOR = (
    "Tom Hardy arrived in Cannes on Sunday for the premiere of his new film.\n"
    '"I have never worked harder on anything," the Oscar nominee told journalists on the red carpet.\n'
    "The White House said in a statement that the President would not attend.\n"
    'The ministry said the festival was "a model for the world".\n'
)


def by_text(records: list[QuoteRecord], words: str) -> QuoteRecord:
    found = [r for r in records if words in r.text]
    assert len(found) == 1, [(r.text, r.speaker) for r in records]
    return found[0]


def test_pronoun_goes_to_the_compatible_antecedent_across_paragraphs() -> None:
    records = extract(COURT)
    assert by_text(records, "crane was unsafe").speaker == "Karen Webb"  # she -> the woman just named
    assert by_text(records, "put a worker at risk").speaker == "Mark Thompson"  # he -> the man
    assert by_text(records, "not slept for weeks").speaker == "Dana Thompson"  # his wife ... She admitted


def test_surname_and_title_forms_go_to_the_full_name() -> None:
    records = extract(COURT)
    assert by_text(records, "told his wife anything").speaker == "Karen Webb"  # 'Webb'
    r = by_text(records, "put a worker at risk")
    assert r.speaker == "Mark Thompson"


def test_a_role_noun_goes_to_the_person_described_so() -> None:
    records = extract(COURT)
    r = by_text(records, "speak for itself")
    assert r.mention == "the attorney" and r.speaker == "Karen Webb", r.evidence
    assert any("descriptor" in step for step in r.evidence)


def test_an_epithet_goes_to_the_person_named_earlier() -> None:
    records = extract(ACTOR)
    r = by_text(records, "never worked harder")
    assert r.speaker == "Tom Hardy" and r.speaker_type == "person", r.evidence


def test_organizations_speak() -> None:
    records = extract(ACTOR)
    white_house = by_text(records, "would not attend")
    assert white_house.speaker == "White House" and white_house.speaker_type == "organization"
    ministry = by_text(records, "a model for the world")
    assert ministry.speaker_type == "organization"


def test_anonymous_sources_are_typed_and_never_named() -> None:
    records = extract(PALACE)
    insider = by_text(records, "cancelled his visit")
    assert insider.speaker is None and insider.speaker_type == "anonymous"
    assert insider.anonymous is not None and insider.anonymous.affiliation == "palace"
    assert insider.anonymous.role == "insider" and not insider.anonymous.plural
    people = by_text(records, "taken late on Monday")
    assert people.speaker_type == "anonymous" and people.anonymous is not None and people.anonymous.plural


def test_the_same_unnamed_source_is_counted_once() -> None:
    records = extract(PALACE)
    ids = {
        by_text(records, words).anonymous.source_id  # type: ignore[union-attr]
        for words in ("cancelled his visit", "He is exhausted", "the right call")
    }
    assert len(ids) == 1


def test_what_a_quote_is_about() -> None:
    records = extract(COURT)
    r = by_text(records, "told his wife anything")
    assert "Mark Thompson" in r.about and "Dana Thompson" in r.about  # 'He' and 'his wife'
    assert r.speaker not in r.about


def test_evidence_explains_a_pronoun() -> None:
    r = by_text(extract(COURT), "crane was unsafe")
    assert any("'she' -> 'Karen Webb' by pronoun" in step for step in r.evidence), r.evidence
