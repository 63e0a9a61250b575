"""The PolNeAR evaluation: chunking and scoring, detokenisation, projection, BRAT reading, annotator choice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quotegraph.evaluate.polnear import (
    SPLITS,
    Article,
    evaluate_brat,
    evaluate_cofenet,
    find_shared_data,
    gold_spans,
    predicted_spans,
    project_to_bio,
    read_brat,
    read_cofenet_bio,
    rebuild_text,
    record_spans,
    run_polnear_eval,
    select_annotation_files,
    token_surface,
)
from quotegraph.evaluate.spans import (
    PRF,
    TokenIndex,
    chunks_cofenet,
    chunks_conlleval,
    extend_to_quote_marks,
    lenient_prf,
    overlap_ratio,
    score_bio,
    trim_quote_marks,
)
from quotegraph.record import QuoteRecord

SHARED, _LOOKED = find_shared_data()


def shared_or_skip(*parts: str) -> Path:
    if SHARED is None:
        pytest.skip("shared data folder not found (../shared/data or $QUOTEGRAPH_SHARED_DATA)")
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


def record(body: str, content: str | None = None, cue: str | None = None, source: str | None = None, **kw):
    """A QuoteRecord whose spans are the first occurrences of the given strings in ``body``; ``kw`` overrides."""
    fields: dict = {"doc_id": "d", "kind": "direct", "confidence": 1.0, "text": "", "start": 0, "end": 0}
    if content is not None:
        s = body.index(content)
        fields.update(text=content, start=s, end=s + len(content))
    if cue is not None:
        s = body.index(cue)
        fields.update(cue=cue, cue_start=s, cue_end=s + len(cue))
    if source is not None:
        s = body.index(source)
        fields.update(mention=source, mention_start=s, mention_end=s + len(source))
    fields.update(kw)
    return QuoteRecord(**fields)


# --- BIO chunks and scores -------------------------------------------------------------------------------------


def test_chunks_adjacent_and_at_end():
    labels = ["B-source", "I-source", "B-cue", "B-content", "I-content", "B-content", "O", "B-cue", "I-cue"]
    expected = [("source", 0, 2), ("cue", 2, 3), ("content", 3, 5), ("content", 5, 6), ("cue", 7, 9)]
    assert chunks_cofenet(labels) == expected
    assert chunks_conlleval(labels) == expected


def test_stray_inside_tag_dropped_by_cofenet_opened_by_conlleval():
    labels = ["O", "I-content", "I-content", "B-cue", "I-content", "B-source", "I-source"]
    assert chunks_cofenet(labels) == [("cue", 3, 4), ("source", 5, 7)]
    assert chunks_conlleval(labels) == [("content", 1, 3), ("cue", 3, 4), ("content", 4, 5), ("source", 5, 7)]
    # at the very start, and after a chunk of another type
    assert chunks_cofenet(["I-cue", "I-cue"]) == []
    assert chunks_conlleval(["I-cue", "I-cue"]) == [("cue", 0, 2)]
    assert chunks_cofenet(["B-source", "I-content", "I-content"]) == [("source", 0, 1)]
    assert chunks_conlleval(["B-source", "I-content", "I-content"]) == [("source", 0, 1), ("content", 1, 3)]


def test_chunks_match_cofenets_own_example():
    # The example in CofeNet's exe/eval/extraction.py (without its trailing <IGN> padding).
    labels = (
        ["B-source", "I-cue", "B-cue", "I-cue", "I-cue", "B-content", "I-content", "I-content"]
        + ["O"] * 7
        + ["B-source", "B-cue", "I-cue", "I-cue", "B-content", "I-content", "I-content"]
        + ["O"] * 7
        + ["B-content", "I-content"]
    )
    by_type: dict[str, list[list[int]]] = {}
    for t, s, e in chunks_cofenet(labels):
        by_type.setdefault(t, []).append([s, e])
    assert by_type == {
        "source": [[0, 1], [15, 16]],
        "cue": [[2, 5], [16, 19]],
        "content": [[5, 8], [19, 22], [29, 31]],
    }


def test_score_bio_matches_cofenets_own_example():
    # The example in CofeNet's exe/eval/evaluation.py: cue exact match P = R = F1 = 2/3.
    true = ["B-cue", "I-cue", "O", "B-cue", "I-cue", "I-cue", "B-content", "I-content", "I-content"] + ["O"] * 7
    true += ["B-source", "B-cue", "I-cue", "I-cue", "B-content", "I-content", "I-content"] + ["O"] * 7
    true += ["B-content"] + ["O"] * 7
    pred = ["O", "B-cue"] + true[2:]
    scores = score_bio([true], [pred])
    assert scores["cue"].precision == pytest.approx(2 / 3)
    assert scores["cue"].recall == pytest.approx(2 / 3)
    assert scores["cue"].f1 == pytest.approx(2 / 3)
    assert scores["content"].f1 == 1.0 and scores["source"].f1 == 1.0


def test_score_bio_is_micro_over_sentences():
    gold = [["B-source", "O", "B-cue"], ["B-source", "I-source", "O"]]
    pred = [["B-source", "O", "O"], ["B-source", "O", "B-cue"]]
    s = score_bio(gold, pred)
    assert (s["source"].n_gold, s["source"].n_pred, s["source"].gold_matched) == (2, 2, 1)
    assert (s["cue"].n_gold, s["cue"].n_pred, s["cue"].gold_matched) == (1, 1, 0)
    assert s["source"].f1 == 0.5
    assert s["cue"].f1 == 0.0
    assert s["content"].f1 == 0.0 and s["content"].n_gold == 0  # nothing to find: 0, as sklearn gives


def test_score_bio_truncates_like_cofenets_loader():
    gold = [["O", "B-content", "I-content", "I-content"]]
    pred = [["O", "B-content", "I-content", "O"]]
    assert score_bio(gold, pred)["content"].f1 == 0.0
    assert score_bio(gold, pred, max_tokens=3)["content"].f1 == 1.0


def test_score_bio_refuses_misaligned_input():
    with pytest.raises(ValueError):
        score_bio([["O", "O"]], [["O"]])
    with pytest.raises(ValueError):
        score_bio([["O"]], [])


def test_prf_arithmetic():
    p = PRF(n_gold=4, n_pred=2, gold_matched=1, pred_matched=1)
    assert (p.precision, p.recall) == (0.5, 0.25)
    assert p.f1 == pytest.approx(2 * 0.5 * 0.25 / 0.75)
    assert PRF().f1 == 0.0


# --- character spans ---------------------------------------------------------------------------------------------


def test_trim_and_extend_quote_marks():
    text = "He said “we will win.” Then ‘maybe’ and the voters’ view"
    s = text.index("“")
    e = text.index("”") + 1
    assert text[slice(*trim_quote_marks(text, s, e))] == "we will win."
    assert text[slice(*extend_to_quote_marks(text, s + 1, e - 1))] == "“we will win.”"
    one_sided = text.index("we"), e  # PolNeAR content often keeps only the closing mark
    assert text[slice(*trim_quote_marks(text, *one_sided))] == "we will win."
    m = text.index("‘")
    assert text[slice(*trim_quote_marks(text, m, m + 7))] == "maybe"
    v = text.index("the voters’")
    assert text[slice(*trim_quote_marks(text, v, v + len("the voters’")))] == "the voters’"  # apostrophe stays
    assert text[slice(*extend_to_quote_marks(text, m + 1, m + 6))] == "‘maybe’"


def test_lenient_overlap():
    text = "one two three four five six seven eight"
    index = TokenIndex(text)
    a = index.tokens(0, len("one two three four"))
    b = index.tokens(text.index("three"), text.index(" six"))
    assert len(a) == 4 and len(b) == 3
    assert overlap_ratio(a, b) == 0.5
    gold = [(0, len("one two three four"))]
    assert lenient_prf(gold, [(text.index("three"), text.index(" six"))], index).f1 == 1.0
    assert lenient_prf(gold, [(text.index("four"), len(text))], index).f1 == 0.0


# --- detokenisation ----------------------------------------------------------------------------------------------


def check_offsets(lines: list[list[str]]) -> str:
    rt = rebuild_text(lines)
    last = 0
    for tokens, offsets in zip(lines, rt.offsets, strict=True):
        assert len(tokens) == len(offsets)
        for token, (s, e) in zip(tokens, offsets, strict=True):
            assert rt.text[s:e] == token_surface(token), (token, s, e)
            assert s >= last
            last = e
    return rt.text


def test_rebuild_text_small():
    lines = [
        ["``", "It", "'s", "fine", ",", "''", "he", "said", "-LRB-", "twice", "-RRB-", "."],
        ["She", "told", "me", ",", "''", "We", "'re", "here", ".", "''"],  # CoreNLP's '' opening a quote
        ["They", "did", "n't", "pay", "$", "5", "for", "`", "art", "'", "."],
    ]
    text = check_offsets(lines)
    assert text == (
        "\"It's fine,\" he said (twice).\n\nShe told me, \"We're here.\"\n\nThey didn't pay $5 for 'art'."
    )


def test_rebuild_text_real_valid_file():
    docs = read_cofenet_bio(shared_or_skip("polnear-cofenet-bio", "valid.txt"))
    assert len(docs) == 94
    assert sum(len(d.sentences) for d in docs) == 1925
    for doc in docs:
        check_offsets([s.tokens for s in doc.sentences])


# --- projection --------------------------------------------------------------------------------------------------


def test_project_record_onto_tokens():
    lines = [["``", "We", "will", "win", ",", "''", "Smith", "said", "."], ["He", "left", "."]]
    rt = rebuild_text(lines)
    assert rt.text == '"We will win," Smith said.\n\nHe left.'
    r = record(rt.text, content="We will win,", cue="said", source="Smith")
    labels = project_to_bio(record_spans([r], rt.text), rt.offsets)
    assert labels == [
        ["B-content"] * 1 + ["I-content"] * 5 + ["B-source", "B-cue", "O"],
        ["O", "O", "O"],
    ]
    gold = labels
    assert score_bio(gold, labels)["content"].f1 == 1.0


def test_projection_priority_nesting_and_line_cuts():
    lines = [["A", "said", "that", "B", "told", "him", "so", "."], ["And", "more", "."]]
    rt = rebuild_text(lines)
    text = rt.text
    outer = record(text, content="that B told him so.\n\nAnd more", cue="said", source="A")
    nested = record(text, content="him so", cue="told", source="B", parent=0)
    clash = record(text, content="told him", cue="told")  # a cue inside a content: the cue wins
    labels = project_to_bio(record_spans([outer, nested, clash], text), rt.offsets)
    assert labels[0] == [
        "B-source",
        "B-cue",
        "B-content",
        "I-content",
        "B-cue",
        "B-content",
        "I-content",
        "I-content",
    ]
    assert labels[1] == ["B-content", "I-content", "O"]  # the span cut at the line starts a new chunk


# --- BRAT gold ---------------------------------------------------------------------------------------------------


def test_read_brat_and_gold_spans(tmp_path):
    text = "Sources said “it will rain,” she added, “and snow.” Nothing else."
    c1, c2 = text.index("“it"), text.index("“and")
    c1e, c2e = text.index("”") + 1, text.index("snow.”") + len("snow.”")
    src, cue = text.index("Sources"), text.index("said")
    she, added = text.index("she"), text.index("added")
    ann = tmp_path / "a_1234.ann"
    ann.write_text(
        f"T1\tSource {src} {src + 7}\tSources\n"
        f"T2\tCue {cue} {cue + 4}\tsaid\n"
        f"T3\tContent {c1} {c1e};{c2} {c2e}\t{text[c1:c1e]} {text[c2:c2e]}\n"
        f"T4\tAttribution {cue} {cue + 4}\tsaid\n"
        f"T5\tSource {she} {she + 3}\tshe\n"
        f"T6\tCue {added} {added + 5}\tadded\n"
        f"T7\tDiscard {she} {she + 3}\tshe\n"
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
        "#1\tAnnotatorNotes T1\tnote\n",
        encoding="utf-8",
    )
    spans = read_brat(ann)
    assert [s.label for s in spans] == ["Source", "Cue", "Content", "Attribution", "Source", "Cue", "Discard"]
    assert spans[2].fragments == [(c1, c1e), (c2, c2e)]
    gold = gold_spans(spans, text)
    assert {text[s:e] for s, e in gold["content"]} == {"it will rain,", "and snow."}
    assert {text[s:e] for s, e in gold["source"]} == {"Sources", "she"}
    assert {text[s:e] for s, e in gold["cue"]} == {"said", "added"}

    records = [
        record(text, content="it will rain,", cue="said", source="Sources"),
        record(text, content="and snow.", cue="added", source="she"),
        record(text, content="Nothing", parent=0),  # nested: not scored
    ]
    assert predicted_spans(records, text) == gold


def test_annotator_file_rule():
    names = [
        "nyt_2016-09-19_old-hands_d473.ann",
        "nyt_2016-09-19_old-hands_5fec.ann",
        "nyt_2016-09-19_old-hands_ef2d.ann",
        "politico_x_4e07.ann",
        "no-suffix.ann",
        "bad_suffix_zz12.ann",
    ]
    chosen = select_annotation_files(Path(n) for n in names)
    assert {k: v.name for k, v in chosen.items()} == {
        "nyt_2016-09-19_old-hands": "nyt_2016-09-19_old-hands_5fec.ann",
        "politico_x": "politico_x_4e07.ann",
    }


def test_annotator_rule_on_real_dev_files():
    ann_dir = shared_or_skip("polnear", "data", "dev", "attributions")
    files = sorted(ann_dir.glob("*.ann"))
    chosen = select_annotation_files(files)
    assert len(files) == 94 and len(chosen) == 84
    for article, path in chosen.items():
        siblings = sorted(p.name for p in files if p.name.rsplit("_", 1)[0] == article)
        assert path.name == siblings[0]


# --- whole runs on a tiny data folder, and on the real dev file with gold as the prediction ----------------------


def tiny_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    tokens = ["``", "We", "will", "win", ",", "''", "Smith", "said", "."]
    labels = ["B-content"] + ["I-content"] * 5 + ["B-source", "B-cue", "O"]
    bio = data / "polnear-cofenet-bio"
    bio.mkdir(parents=True)
    rows = [{"tokens": tokens, "labels": labels, "id": f"art_{ann}"} for ann in ("4e07", "5fec")]
    bio.joinpath("valid.txt").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    split = data / "polnear" / "data" / "dev"
    (split / "text").mkdir(parents=True)
    (split / "attributions").mkdir()
    text = "“We will win,” Smith said.\n"
    (split / "text" / "art.txt").write_text(text, encoding="utf-8")
    (split / "attributions" / "art_5fec.ann").write_text("T1\tSource 0 1\t“\n", encoding="utf-8")
    (split / "attributions" / "art_4e07.ann").write_text(
        "T1\tContent 0 14\t“We will win,”\nT2\tSource 15 20\tSmith\nT3\tCue 21 25\tsaid\n", encoding="utf-8"
    )
    return data


def perfect_predictor(articles):
    for article in articles:
        yield article, [record(article.text, content="We will win,", cue="said", source="Smith")]


def test_run_polnear_eval_end_to_end(tmp_path, capsys):
    data = tiny_data(tmp_path)
    out = tmp_path / "scores.json"
    assert run_polnear_eval("dev", data, out, predict=perfect_predictor) == 0
    printed = capsys.readouterr().out
    assert "CofeNet" in printed and "content" in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    a, b = report["cofenet_protocol"], report["article_protocol"]
    assert (a["documents"], a["distinct_texts_extracted"], a["sentences"]) == (2, 1, 2)
    assert all(a["scores"][r]["f1"] == 1.0 for r in ("source", "cue", "content"))
    assert b["selected_files"] == {"art": "art_4e07.ann"}
    assert all(b["scores"][r]["f1"] == 1.0 for r in ("source", "cue", "content"))
    assert b["lenient_content"]["f1"] == 1.0
    assert a["published_test"]["BERT+CofeNet"]["source"]["f1"] == 0.832


def test_run_polnear_eval_counts_failures_as_misses(tmp_path):
    def failing(articles):
        for article in articles:
            yield article, "boom"

    b = evaluate_brat(tiny_data(tmp_path) / "polnear" / "data" / "dev", failing)
    assert b.failures == ["art: boom"]
    assert b.scores["content"].n_gold == 1 and b.scores["content"].n_pred == 0


def test_run_polnear_eval_without_data(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("QUOTEGRAPH_SHARED_DATA", raising=False)
    assert run_polnear_eval("dev", tmp_path / "nowhere", None, predict=perfect_predictor) == 2
    assert "nowhere" in capsys.readouterr().err
    assert run_polnear_eval("train", tmp_path, None, predict=perfect_predictor) == 2


def test_cli_reports_missing_data(tmp_path):
    from typer.testing import CliRunner

    from quotegraph.cli import app

    result = CliRunner().invoke(app, ["eval", "polnear", "--data", str(tmp_path / "nowhere")])
    assert result.exit_code == 2


def test_find_shared_data_from_env(tmp_path, monkeypatch):
    data = tiny_data(tmp_path)
    monkeypatch.setenv("QUOTEGRAPH_SHARED_DATA", str(data))
    assert find_shared_data()[0] == data
    monkeypatch.setenv("QUOTEGRAPH_SHARED_DATA", str(tmp_path))  # the folder above data/ is accepted too
    assert find_shared_data()[0] == data


def test_gold_round_trip_on_real_valid_file():
    """Gold chunks turned into records and projected back: every source and cue chunk comes back, and nearly
    every content chunk (the rest are gold quirks, such as a content holding one of its two quote marks)."""
    bio = shared_or_skip("polnear-cofenet-bio", SPLITS["dev"])
    docs = {d.id: d for d in read_cofenet_bio(bio)}

    def gold_predictor(articles):
        for article in articles:
            doc = docs[article.id]
            offsets = rebuild_text([s.tokens for s in doc.sentences]).offsets
            records = []
            for sentence, line in zip(doc.sentences, offsets, strict=True):
                for role, i, j in chunks_cofenet(sentence.labels):
                    s, e = line[i][0], line[j - 1][1]
                    if role == "content":
                        s, e = trim_quote_marks(article.text, s, e)
                        records.append(record(article.text, start=s, end=e, text=article.text[s:e]))
                    elif role == "cue":
                        records.append(record(article.text, cue_start=s, cue_end=e, cue=article.text[s:e]))
                    else:
                        records.append(record(article.text, mention_start=s, mention_end=e))
            yield article, records

    result = evaluate_cofenet(bio, gold_predictor)
    assert result.failures == []
    # Several annotators share an article's text, which is extracted once: their disagreements cost a little.
    assert result.scores["source"].f1 > 0.99
    assert result.scores["cue"].f1 > 0.98
    assert result.scores["content"].f1 > 0.95


def test_article_text_offsets_are_kept(tmp_path):
    """BRAT offsets are character offsets into the file as it is: the text is read without newline changes."""
    data = tiny_data(tmp_path)
    split = data / "polnear" / "data" / "dev"
    (split / "text" / "art.txt").write_bytes("“We will win,” Smith\r\nsaid.\r\n".encode())
    seen: list[Article] = []

    def spy(articles):
        for article in articles:
            seen.append(article)
            yield article, []

    evaluate_brat(split, spy)
    assert "\r\n" in seen[0].text


def test_real_extractor_on_tiny_data(tmp_path, extractor):
    """quotegraph's own Extractor goes through both protocols (figures not checked: extraction is in flux)."""
    out = tmp_path / "scores.json"
    assert run_polnear_eval("dev", tiny_data(tmp_path), out, predict=extractor.extract_many) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["cofenet_protocol"]["extraction_failures"] == []
    assert report["article_protocol"]["extraction_failures"] == []
