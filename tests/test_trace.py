"""Quote tracing (issue 7) on the committed Wikinews-based trace fixtures (tests/fixtures/trace/, CC BY 2.5,
credit: Wikinews): edits group, distractors do not, misattribution, diffs, headline links, the CLI and the API."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from quotegraph import trace
from quotegraph.evaluate.trace import Plant, evaluate_records_mode, read_gold, read_outlets
from quotegraph.record import QuoteRecord

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "trace" / "test"


@pytest.fixture(scope="module")
def plants() -> list[Plant]:
    return read_gold(FIXTURES)


def _record(
    text: str, doc: str, date: str | None = "2030-01-01", speaker: str | None = "Sadiq Khan", **kw
) -> QuoteRecord:
    return QuoteRecord(
        doc_id=doc,
        text=text,
        start=0,
        end=len(text),
        kind=kw.pop("kind", "direct"),
        speaker=speaker,
        speaker_type="person" if speaker else "unknown",
        confidence=0.9,
        date=date,
        **kw,
    )


def _by_group(plants: list[Plant]) -> dict[str, list[Plant]]:
    groups: dict[str, list[Plant]] = defaultdict(list)
    for plant in plants:
        groups[plant.group].append(plant)
    return groups


# ---------------------------------------------------------------------------------------------------- grouping


def test_every_kind_of_edit_groups_and_no_distractor_does(plants: list[Plant]) -> None:
    result = evaluate_records_mode(plants, read_outlets(FIXTURES))
    kinds = {plant.edit for plant in plants}
    assert {"copy", "trim", "ellipsis", "punct_case", "partial", "substitute"} <= kinds
    assert {"distractor_phrase", "distractor_speaker"} <= kinds
    for edit, counts in result.by_edit.items():
        if edit.startswith("distractor"):
            assert counts.get("wrongly grouped", 0) == 0, (edit, counts, result.errors)
        else:
            assert counts.get("missed", 0) == 0, (edit, counts, result.errors)
    assert result.grouping.precision == 1.0
    assert result.grouping.recall == 1.0
    # Quotebank's exact-text grouping misses the edited copies
    assert result.baseline.recall is not None and result.baseline.recall < 0.6


@pytest.mark.parametrize("edit", ["trim", "ellipsis", "punct_case", "partial", "substitute"])
def test_each_edit_is_the_same_utterance_as_its_original(plants: list[Plant], edit: str) -> None:
    groups = _by_group(plants)
    checked = 0
    for members in groups.values():
        original = next((p for p in members if p.edit == "copy"), None)
        for plant in members:
            if original is not None and plant.edit == edit:
                assert trace.same_utterance(trace.words(original.text), trace.words(plant.text)), plant.text
                checked += 1
    assert checked


def test_a_shared_phrase_is_not_the_same_utterance(plants: list[Plant]) -> None:
    groups = _by_group(plants)
    checked = 0
    for name, members in groups.items():
        if not name.endswith("-phrase"):
            continue
        distractor = members[0]
        # the original and its near-copies; a short partial quote can lie wholly inside the shared phrase (that pair
        # is textually one utterance: the grouping keeps it from bridging, see the tests above and below)
        for plant in groups[name.split("-")[0]]:
            if plant.edit in ("partial", "trim"):
                continue
            assert not trace.same_utterance(trace.words(plant.text), trace.words(distractor.text)), plant.text
            checked += 1
    assert checked


def test_normalisation_ignores_case_punctuation_accents_and_marks_ellipses() -> None:
    assert trace.words("“We’re READY,” — well-known…  Erdoğan [...] end.") == [
        "were", "ready", "well", "known", trace.ELLIPSIS, "erdogan", trace.ELLIPSIS, "end",
    ]  # fmt: skip
    assert trace.words("... cut at both ends ...") == ["cut", "at", "both", "ends"]


def test_short_quotes_need_equal_words_and_the_same_speaker() -> None:
    a, b = trace.words("Never again."), trace.words("never again")
    assert trace.same_utterance(a, b, speaker_a=1, speaker_b=1)
    assert not trace.same_utterance(a, b, speaker_a=1, speaker_b=2)
    assert not trace.same_utterance(a, b)  # unknown speakers
    assert not trace.same_utterance(
        trace.words("never again, he said"), trace.words("never again"), speaker_a=1, speaker_b=1
    )


def test_indirect_quotes_group_only_when_near_verbatim() -> None:
    direct = trace.words("The enquiry into what happened is underway to ensure it cannot happen again")
    near = trace.words("the enquiry into what happened is underway to ensure it cannot happen again")
    partial = trace.words("what happened is underway to ensure it cannot")
    indirect = trace.KIND_CODES["indirect"]
    assert trace.same_utterance(direct, near, kind_b=indirect)
    assert not trace.same_utterance(direct, partial, kind_b=indirect)
    assert trace.same_utterance(direct, partial)


def test_mixed_quotes_trace_their_quoted_words() -> None:
    text = 'He said the plan was "a disaster for every family in the country" and would go.'
    assert trace.traced_text(text, "mixed") == "a disaster for every family in the country"
    assert trace.traced_text(text, "direct") == text


def test_a_partial_quote_does_not_bridge_two_statements() -> None:
    source = "We will not raise taxes on working families while I am the prime minister of this country"
    other = "Some say we will not raise taxes on working families but the truth is that we must cut spending hard"
    partial = "we will not raise taxes on working families"
    labels = trace.group_labels(
        [
            trace.TraceItem(_record(t, f"d{i}"), key=i, article=f"d{i}")
            for i, t in enumerate([source, other, partial])
        ]
    )
    assert labels[0] != labels[1]
    assert labels[2] in (labels[0], labels[1])


def test_index_scales_by_keys_not_pairs() -> None:
    """Planted copies among a few thousand random quotes are found through the LSH and winnow keys."""
    rng = np.random.default_rng(3)
    vocabulary = [f"w{i}" for i in range(3000)]
    texts = [" ".join(rng.choice(vocabulary, size=int(rng.integers(8, 40)))) for _ in range(3000)]
    planted = {}
    for i in range(0, 300, 3):
        words = texts[i].split()
        planted[len(texts)] = i
        texts.append(" ".join(words[1:-1]) if len(words) > 10 else texts[i].upper())
    encoded = trace.Encoded.build([trace.words(t) for t in texts])
    keys = trace.index_keys(encoded)
    pairs = trace.candidate_pairs(keys)
    assert len(pairs) < 20 * len(texts)  # far from all pairs (4.5 million)
    labels = trace.group_encoded(encoded)
    assert all(labels[copy] == labels[source] for copy, source in planted.items())
    assert len(np.unique(labels)) == len(texts) - len(planted)


def test_components_join_chains() -> None:
    labels = trace.components(6, np.array([[0, 3], [3, 5], [1, 2]], dtype=np.int64))
    assert labels.tolist() == [0, 1, 1, 0, 4, 0]


# ---------------------------------------------------------------------------------------------------- groups


def test_group_first_appearance_timeline_and_reference(plants: list[Plant]) -> None:
    members = [p for p in _by_group(plants)["g0004"]]
    records = [_record(p.text, Path(p.file).stem, date=p.date, speaker=p.speaker_written) for p in members]
    outlets = {Path(p.file).stem: p.outlet for p in members}
    groups = trace.group_records(records, outlets)
    assert len(groups) == 1
    group = groups[0]
    dates = [a.item.date for a in group.appearances]
    assert dates == sorted(dates)
    assert group.first.item.date == min(p.date for p in members)
    assert group.reference_text == next(p.text for p in members if p.edit == "copy")
    assert group.outlets[0] == group.first.item.outlet
    # 'Khan' and 'Sadiq Khan' are one person
    assert not group.misattribution
    body = group.to_dict()
    assert body["first"]["date"] == group.first.item.date
    json.dumps(body)


def test_misattribution_is_flagged_and_unknown_speakers_are_ignored() -> None:
    text = "An urgent enquiry into what happened is underway to ensure it cannot happen again."
    same = trace.group_records(
        [
            _record(text, "a", speaker="Sadiq Khan"),
            _record(text, "b", speaker="Khan"),
            _record(text, "c", speaker=None),
        ]
    )
    assert len(same) == 1 and not same[0].misattribution
    wrong = trace.group_records([_record(text, "a"), _record(text, "b", speaker="Boris Johnson")])
    assert len(wrong) == 1 and wrong[0].misattribution
    assert dict(wrong[0].speakers) == {"Sadiq Khan": 1, "Boris Johnson": 1}


def test_speaker_persons_surnames_and_ambiguity() -> None:
    persons = trace.speaker_persons(["Tony Blair", "Blair", "Mr Blair", "Cherie Blair", "Gordon Brown", "Brown"])
    assert persons["Gordon Brown"] == persons["Brown"]
    assert persons["Tony Blair"] != persons["Cherie Blair"]
    assert persons["Blair"] == -1 and persons["Mr Blair"] == -1  # fits two people: counted as neither


def test_diff_flags_alterations_not_partials_or_punctuation() -> None:
    reference = "A lot of people have lost their homes and they need food, water and shelter."
    punct = trace.word_diff(
        reference, "a lot of people have lost their homes, and they need food water and shelter"
    )
    assert punct.case_or_punctuation and not punct.altered and not punct.partial
    partial = trace.word_diff(reference, "people have lost their homes")
    assert partial.partial and not partial.altered
    assert [p.op for p in partial.pieces] == ["outside", "equal", "outside"]
    omitted = trace.word_diff(reference, "A lot of people have lost their homes ... water and shelter.")
    assert omitted.omission and not omitted.altered
    assert any(p.op == "omitted" and p.reference == "and they need food," for p in omitted.pieces)
    changed = trace.word_diff(
        reference, "A lot of people have lost their homes and they want food, water and shelter."
    )
    assert changed.altered and changed.changes == ["'need' -> 'want'"]
    dropped = trace.word_diff(reference, "A lot of people have lost their homes and need food, water and shelter.")
    assert dropped.altered and dropped.changes == ["dropped 'they'"]
    edge = trace.word_diff(reference, "Many people have lost their homes and they need food, water and shelter.")
    assert edge.altered  # a word changed at the very start is a change, not a partial quote
    assert trace.word_diff(reference, reference).identical


def test_headline_quote_links_to_the_body_quote_it_condenses() -> None:
    body = _record("An urgent enquiry into what happened is underway to ensure it cannot happen again.", "a")
    other = _record("The bravery of the emergency services and ordinary Londoners is incredible.", "a")
    head = _record("Urgent enquiry underway", "a", in_headline=True)
    head_speaker = _record("Enquiry will make sure it cannot happen again", "a", in_headline=True)
    elsewhere = _record("Urgent enquiry underway", "b", in_headline=True)
    links = trace.link_headline_quotes([head, body, other, head_speaker, elsewhere])
    assert (0, 1) in links and (3, 1) in links
    assert all(h != 4 for h, _ in links)


# ---------------------------------------------------------------------------------------------------- store, CLI, API

GROUP_FILES = ["2034-02-18-00027", "2034-02-27-00028", "2034-02-24-00029", "2034-03-02-00030", "2034-02-20-00031"]


@pytest.fixture(scope="module")
def trace_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of five fixture articles (one quote's four variants and a phrase distractor), real extraction."""
    from typer.testing import CliRunner

    from quotegraph.cli import app

    outlets = read_outlets(FIXTURES)
    db = tmp_path_factory.mktemp("trace") / "trace.db"
    runner = CliRunner()
    for name in GROUP_FILES:
        result = runner.invoke(
            app,
            [
                "ingest",
                str(FIXTURES / "articles" / f"{name}.txt"),
                "--db",
                str(db),
                "--outlet",
                outlets[f"{name}.txt"],
            ],
        )
        assert result.exit_code == 0, result.output
    return db


def test_cli_trace_json(trace_store: Path) -> None:
    from typer.testing import CliRunner

    from quotegraph.cli import app

    result = CliRunner().invoke(
        app, ["trace", "urgent enquiry into what happened", "--db", str(trace_store), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout[result.stdout.index("{") :])
    group = body["groups"][0]
    assert group["size"] == 4
    assert group["first"]["date"] == "2034-02-18"
    assert [t["date"] for t in group["timeline"]] == sorted(t["date"] for t in group["timeline"])
    assert not group["misattribution"]
    labels = {a["diff"]["label"] for a in group["appearances"]}
    assert any("omission" in label for label in labels) and any("partial" in label for label in labels)
    assert all("Kozhikode" not in a["text"] for a in group["appearances"])  # the distractor stays out


def test_cli_trace_table_and_rebuild(trace_store: Path) -> None:
    from typer.testing import CliRunner

    from quotegraph.cli import app

    runner = CliRunner()
    rebuilt = runner.invoke(app, ["trace", "--rebuild", "--db", str(trace_store)])
    assert rebuilt.exit_code == 0, rebuilt.output
    shown = runner.invoke(app, ["trace", "urgent enquiry", "--db", str(trace_store)])
    assert shown.exit_code == 0
    assert "earliest full form" in shown.stdout and "2034-02-18" in shown.stdout
    nothing = runner.invoke(app, ["trace", "zebra xylophone quantum", "--db", str(trace_store)])
    assert nothing.exit_code == 0 and "No quote found" in nothing.stdout
    assert runner.invoke(app, ["trace", "--db", str(trace_store)]).exit_code == 2


def test_api_trace_route_and_page(trace_store: Path) -> None:
    from fastapi.testclient import TestClient

    from quotegraph.api import create_app

    client = TestClient(create_app(str(trace_store)))
    response = client.get("/api/trace", params={"q": "urgent enquiry into what happened"})
    assert response.status_code == 200
    group = response.json()["groups"][0]
    assert group["size"] == 4 and group["first"]["date"] == "2034-02-18"
    key = group["appearances"][1]["key"]
    by_quote = client.get("/api/trace", params={"quote": key}).json()
    assert by_quote["groups"][0]["size"] == 4
    assert client.get("/api/trace").status_code == 422
    assert client.get("/api/trace", params={"quote": 999999}).status_code == 404
    page = client.get("/trace", params={"q": "urgent enquiry"})
    assert page.status_code == 200
    assert "trace-timeline" in page.text and "earliest full form" in page.text and "d-omitted" in page.text
    assert "<script>" not in page.text.split("</head>")[1]
    assert client.get("/trace").status_code == 200


def test_eval_trace_skips_cleanly_without_data(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from quotegraph.cli import app

    result = CliRunner().invoke(app, ["eval", "trace", "--testset", str(tmp_path / "nowhere")])
    assert result.exit_code == 0
    assert "skipped" in result.output
