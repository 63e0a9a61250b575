"""quotegraph on PolNeAR (Newell et al., LREC 2018), measured two ways.

A. **The CofeNet protocol**, whose figures compare with the published BERT+CofeNet ones (COLING 2022; F1 source
   83.2, cue 75.3, content 72.9 on test). Input: CofeNet's own sentence-level BIO files
   (``polnear-cofenet-bio/{valid,test}.txt``; valid is PolNeAR dev). Lines are grouped by ``id`` (article +
   annotator) in file order, and each group's text is rebuilt from its PTB tokens (the quote tokens `` and ''
   become a straight double quote, a backtick a straight single quote, -LRB- and the like brackets; spacing by
   the usual detokeniser rules, a double quote opening or closing by its place in the line). The lines are
   mostly whole paragraphs, so they are joined with a blank line, as paragraphs are in PolNeAR's own text
   files. quotegraph's Extractor runs on each rebuilt text, and its records are projected
   back onto the tokens: a token takes a role when its characters overlap a predicted span. The spans are the
   record's content widened over its enclosing quote marks (PolNeAR's content keeps them), the cue, and the
   mention as the source. PolNeAR is univocal (one role per token; no gold cue lies inside a gold content), so
   nested records (``parent`` set) are left out, and where spans of top-level records clash source wins over
   cue and cue over content. A span cut by a line boundary becomes one chunk per line, as in the gold.
   Scoring is CofeNet's, to the letter (``cofe-ai/CofeNet`` ``exe/eval/extraction.py::get_element``,
   ``exe/eval/evaluation.py::evaluate_extraction``; see :mod:`quotegraph.evaluate.spans`): exact chunk match,
   micro over sentences, per role, and every line cut to its first 300 tokens (gold and predicted alike) as
   CofeNet's loader does (``utils/data.py::load_data_from_file`` with ``max_seqs: 300`` in
   ``conf/setting/pn_bert_cofe.json``). The projection's own ceiling: the gold chunks of valid.txt turned
   into records and projected back give source and cue F1 100 and content F1 97.8 (the rest are gold quirks,
   such as a content that holds one of its two quote marks, or a lone closing mark).

B. **Article-level exact span match** against PolNeAR's BRAT gold (``polnear/data/<split>/``) on the original
   article texts. One annotation file per article: the one whose 4-hex annotator suffix sorts first. ``T``
   lines labelled Source, Cue or Content are the gold (Attribution, Attribution-no-source, Discuss and Discard
   are not roles). A discontinuous span (``a b;c d``) counts as one gold span per fragment, since a record's
   content is one stretch of text. Spans are compared by character offsets after stripping whitespace, and
   content spans, gold and predicted alike, also after taking off enclosing quote marks, so that a record's
   content (without marks) can equal the gold (with marks). Spans are sets per article and role (two records
   with the same mention give one source). A lenient content column counts a match when two spans share at
   least half of the longer one's word tokens.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quotegraph.evaluate.spans import (
    PRF,
    ROLES,
    Scheme,
    TokenIndex,
    exact_prf,
    extend_to_quote_marks,
    lenient_prf,
    score_bio,
    trim_quote_marks,
)
from quotegraph.record import Article, QuoteRecord, strip_span

# (article, records) or (article, an ExtractionError-like object whose str() says why); see Extractor.extract_many.
Predictor = Callable[[Iterable[Article]], Iterable[tuple[Article, Any]]]

SPLITS = {"dev": "valid.txt", "test": "test.txt"}
COFENET_MAX_TOKENS = 300
ANNOTATOR_RULE = "one .ann per article: the file whose 4-hex annotator suffix sorts first alphabetically"
DISCONTINUOUS_RULE = "each fragment of a discontinuous BRAT span is its own gold span"
LENIENT_THRESHOLD = 0.5

# As published (fractions); [cofenet-detail-exp.pdf, table 6], PolNeAR test, via shared/docs/ANCHORS.md.
PUBLISHED: dict[str, dict[str, dict[str, float | None]]] = {
    "BERT+CofeNet": {
        "source": {"precision": 0.829, "recall": 0.836, "f1": 0.832},
        "cue": {"precision": 0.759, "recall": 0.747, "f1": 0.753},
        "content": {"precision": 0.749, "recall": 0.711, "f1": 0.729},
    },
    "BERT-CRF": {
        "source": {"precision": None, "recall": None, "f1": 0.822},
        "cue": {"precision": None, "recall": None, "f1": 0.749},
        "content": {"precision": None, "recall": None, "f1": 0.710},
    },
}


# --- the shared data folder ------------------------------------------------------------------------------------


def _looks_like_data(path: Path) -> bool:
    return (path / "polnear").is_dir() or (path / "polnear-cofenet-bio").is_dir()


def find_shared_data(explicit: Path | None = None) -> tuple[Path | None, list[Path]]:
    """The shared data folder and every place looked at.

    ``explicit`` (also accepted: the ``shared`` folder above it) or else ``$QUOTEGRAPH_SHARED_DATA`` is taken as
    given; otherwise ``shared/data`` is looked for beside the current folder and each folder above it, then
    beside the package's folder and each folder above that (from a checkout: ``../shared/data``).
    """
    if explicit is None and os.environ.get("QUOTEGRAPH_SHARED_DATA"):
        explicit = Path(os.environ["QUOTEGRAPH_SHARED_DATA"])
    if explicit is not None:
        explicit = explicit.expanduser()
        for candidate in (explicit, explicit / "data"):
            if _looks_like_data(candidate):
                return candidate, [explicit]
        return None, [explicit]
    looked: list[Path] = []
    for base in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (base, *base.parents):
            candidate = folder / "shared" / "data"
            if candidate in looked:
                continue
            looked.append(candidate)
            if _looks_like_data(candidate):
                return candidate, looked
    return None, looked


# --- A: CofeNet's BIO files ------------------------------------------------------------------------------------


@dataclass
class BioSentence:
    tokens: list[str]
    labels: list[str]


@dataclass
class BioDocument:
    """The lines of one ``id`` (PolNeAR article + annotator suffix), in file order."""

    id: str
    sentences: list[BioSentence] = field(default_factory=list)


def read_cofenet_bio(path: Path) -> list[BioDocument]:
    """CofeNet's JSON-lines file grouped by ``id``, documents and lines in file order."""
    docs: dict[str, BioDocument] = {}
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            tokens, labels = list(row["tokens"]), list(row["labels"])
            if len(tokens) != len(labels):
                raise ValueError(f"{path}:{n}: {len(tokens)} tokens but {len(labels)} labels")
            docs.setdefault(row["id"], BioDocument(row["id"])).sentences.append(BioSentence(tokens, labels))
    return list(docs.values())


_PTB_SURFACE = {
    "``": '"',
    "''": '"',
    "`": "'",
    "'''": "'\"",
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
}
_NO_SPACE_BEFORE = {",", ".", ";", ":", "?", "!", "%", "'''", "'", "-RRB-", "-RSB-", "-RCB-", ")", "]", "}"}
_CLITICS = {"'s", "'re", "'ve", "'ll", "'d", "'m", "n't"}
_NO_SPACE_AFTER = {"`", "-LRB-", "-LSB-", "-LCB-", "(", "[", "{", "$", "#"}
_CLOSERS = {",", ".", ";", ":", "?", "!", "''", "'''", "-RRB-", "-RSB-", "-RCB-", "--", "..."}


def token_surface(token: str) -> str:
    """How a PTB token is written in the rebuilt text."""
    return _PTB_SURFACE.get(token, token)


def _glue(tokens: Sequence[str]) -> list[tuple[bool, bool]]:
    """(no space before, no space after) for each token of one line.

    A double quote token opens or closes by its place, not by its PTB form alone, since CoreNLP often writes an
    opening straight quote as a closing one: the opening form always opens; the closing form closes a quote
    opened earlier in the line, and otherwise opens when a word follows it.
    """
    glue: list[tuple[bool, bool]] = []
    open_quotes = 0
    for i, token in enumerate(tokens):
        if token in ("``", "''"):
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            opening = token == "``" or (open_quotes == 0 and following is not None and following not in _CLOSERS)
            open_quotes = open_quotes + 1 if opening else max(0, open_quotes - 1)
            glue.append((False, True) if opening else (True, False))
        else:
            glue.append((token in _NO_SPACE_BEFORE or token.lower() in _CLITICS, token in _NO_SPACE_AFTER))
    return glue


@dataclass
class RebuiltText:
    """A document's text rebuilt from tokens; ``offsets[i][j]`` is (start, end) of line i's token j."""

    text: str
    offsets: list[list[tuple[int, int]]]


def rebuild_text(sentences: Sequence[Sequence[str]], sentence_sep: str = "\n\n") -> RebuiltText:
    """Detokenise: ``text[start:end] == token_surface(token)`` for every token."""
    parts: list[str] = []
    offsets: list[list[tuple[int, int]]] = []
    pos = 0
    for i, tokens in enumerate(sentences):
        if i:
            parts.append(sentence_sep)
            pos += len(sentence_sep)
        line: list[tuple[int, int]] = []
        glue_after_prev = True  # no space before a line's first token
        for token, (glue_before, glue_after) in zip(tokens, _glue(tokens), strict=True):
            if not (glue_before or glue_after_prev):
                parts.append(" ")
                pos += 1
            surface = token_surface(token)
            line.append((pos, pos + len(surface)))
            parts.append(surface)
            pos += len(surface)
            glue_after_prev = glue_after
        offsets.append(line)
    return RebuiltText("".join(parts), offsets)


_PRIORITY = {"content": 1, "cue": 2, "source": 3}


def record_spans(records: Sequence[QuoteRecord], text: str) -> list[tuple[str, int, int]]:
    """(role, start, end) of the top-level records: content widened over its quote marks, cue, mention."""
    spans: dict[tuple[str, int, int], None] = {}
    for r in records:
        if r.parent is not None:
            continue
        if r.end > r.start:
            spans[("content", *extend_to_quote_marks(text, r.start, r.end))] = None
        if r.cue_start is not None and r.cue_end is not None and r.cue_end > r.cue_start:
            spans[("cue", r.cue_start, r.cue_end)] = None
        if r.mention_start is not None and r.mention_end is not None and r.mention_end > r.mention_start:
            spans[("source", r.mention_start, r.mention_end)] = None
    return list(spans)


def project_to_bio(
    spans: Sequence[tuple[str, int, int]], offsets: Sequence[Sequence[tuple[int, int]]]
) -> list[list[str]]:
    """BIO labels per line: a token takes the role of the highest-priority span overlapping it (source > cue >
    content, then the earlier span); a new chunk starts at each line and wherever the span changes."""
    labels: list[list[str]] = []
    for line in offsets:
        out: list[str] = []
        prev: int | None = None
        for ts, te in line:
            best: int | None = None
            for k, (role, s, e) in enumerate(spans):
                if s < te and ts < e and (best is None or _PRIORITY[role] > _PRIORITY[spans[best][0]]):
                    best = k
            if best is None:
                out.append("O")
            else:
                out.append(("I-" if best == prev else "B-") + spans[best][0])
            prev = best
        labels.append(out)
    return labels


def _run_predictor(predict: Predictor, articles: list[Article]) -> tuple[dict[str, list[QuoteRecord]], list[str]]:
    """Records per article id, and one line per article that failed (scored as predicting nothing)."""
    records: dict[str, list[QuoteRecord]] = {}
    failures: dict[str, str] = {}
    for article, result in predict(articles):
        if isinstance(result, list):
            records[article.id] = result
        else:
            failures[article.id] = str(getattr(result, "reason", result))
    for article in articles:
        if article.id not in records and article.id not in failures:
            failures[article.id] = "no result"
    return records, [f"{doc_id}: {reason}" for doc_id, reason in failures.items()]


@dataclass
class CofenetResult:
    scores: dict[str, PRF]
    file: str
    documents: int
    texts: int
    sentences: int
    truncated_sentences: int
    failures: list[str]
    max_tokens: int | None
    scheme: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "documents": self.documents,
            "distinct_texts_extracted": self.texts,
            "sentences": self.sentences,
            "max_tokens": self.max_tokens,
            "sentences_truncated": self.truncated_sentences,
            "chunk_scheme": self.scheme,
            "extraction_failures": self.failures,
            "scores": {role: prf.to_dict() for role, prf in self.scores.items()},
            "published_test": PUBLISHED,
        }


def evaluate_cofenet(
    path: Path,
    predict: Predictor,
    *,
    max_tokens: int | None = COFENET_MAX_TOKENS,
    scheme: Scheme = "cofenet",
) -> CofenetResult:
    """Protocol A on one of CofeNet's BIO files (see the module docstring)."""
    docs = read_cofenet_bio(path)
    rebuilt = {doc.id: rebuild_text([s.tokens for s in doc.sentences]) for doc in docs}
    # Annotators of one article share its tokens, hence its text: extract each distinct text once.
    first_id_of_text: dict[str, str] = {}
    for doc in docs:
        first_id_of_text.setdefault(rebuilt[doc.id].text, doc.id)
    articles = [Article(id=i, text=t, body_span=(0, len(t))) for t, i in first_id_of_text.items()]
    records, failures = _run_predictor(predict, articles)

    gold: list[list[str]] = []
    pred: list[list[str]] = []
    for doc in docs:
        rt = rebuilt[doc.id]
        spans = record_spans(records.get(first_id_of_text[rt.text], []), rt.text)
        pred.extend(project_to_bio(spans, rt.offsets))
        gold.extend(s.labels for s in doc.sentences)
    scores = score_bio(gold, pred, scheme=scheme, max_tokens=max_tokens)
    truncated = sum(1 for g in gold if max_tokens is not None and len(g) > max_tokens)
    return CofenetResult(
        scores, str(path), len(docs), len(articles), len(gold), truncated, failures, max_tokens, scheme
    )


# --- B: BRAT gold ----------------------------------------------------------------------------------------------

_ANN_NAME = re.compile(r"^(?P<article>.+)_(?P<annotator>[0-9a-fA-F]{4})\.ann$")


def select_annotation_files(paths: Iterable[Path]) -> dict[str, Path]:
    """One .ann per article: the one whose annotator suffix sorts first. Names without a suffix are skipped."""
    chosen: dict[str, tuple[str, Path]] = {}
    for p in paths:
        m = _ANN_NAME.match(p.name)
        if not m:
            continue
        article, annotator = m["article"], m["annotator"]
        if article not in chosen or annotator < chosen[article][0]:
            chosen[article] = (annotator, p)
    return {article: p for article, (_, p) in sorted(chosen.items())}


@dataclass
class BratSpan:
    id: str
    label: str
    fragments: list[tuple[int, int]]
    text: str


_T_LINE = re.compile(r"^T\d+\t")


def read_brat(path: Path) -> list[BratSpan]:
    """The ``T`` lines of a BRAT .ann file; a discontinuous span keeps its fragments in order."""
    spans: list[BratSpan] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not _T_LINE.match(line):  # other kinds, and the rest of a span text that held a newline
            continue
        try:
            tid, middle, *rest = line.split("\t")
            label, offsets = middle.split(" ", 1)
            fragments = [(int(a), int(b)) for a, b in (frag.split() for frag in offsets.split(";"))]
        except ValueError as exc:
            raise ValueError(f"{path}:{n}: not a BRAT T line: {line!r}") from exc
        spans.append(BratSpan(tid, label, fragments, rest[0] if rest else ""))
    return spans


def _normalise(role: str, text: str, start: int, end: int) -> tuple[int, int]:
    return trim_quote_marks(text, start, end) if role == "content" else strip_span(text, start, end)


def gold_spans(spans: Iterable[BratSpan], text: str) -> dict[str, set[tuple[int, int]]]:
    """Normalised gold (start, end) per role; every fragment its own span."""
    out: dict[str, set[tuple[int, int]]] = {role: set() for role in ROLES}
    for span in spans:
        role = span.label.lower()
        if role not in out:
            continue
        for s, e in span.fragments:
            s, e = _normalise(role, text, s, e)
            if e > s:
                out[role].add((s, e))
    return out


def predicted_spans(records: Iterable[QuoteRecord], text: str) -> dict[str, set[tuple[int, int]]]:
    """Normalised predicted (start, end) per role, top-level records only (PolNeAR is univocal)."""
    out: dict[str, set[tuple[int, int]]] = {role: set() for role in ROLES}
    for r in records:
        if r.parent is not None:
            continue
        candidates = [
            ("content", r.start, r.end),
            ("cue", r.cue_start, r.cue_end),
            ("source", r.mention_start, r.mention_end),
        ]
        for role, s, e in candidates:
            if s is None or e is None:
                continue
            s, e = _normalise(role, text, s, e)
            if e > s:
                out[role].add((s, e))
    return out


@dataclass
class BratResult:
    scores: dict[str, PRF]
    lenient_content: PRF
    split_dir: str
    articles: int
    annotation_files: int
    selected: dict[str, str]
    failures: list[str]
    ece: float = 0.0  # expected calibration error of the records' confidence (10 bins)
    right_rate: float = 0.0  # share of top-level records judged right
    judged: int = 0  # top-level records judged

    def to_dict(self) -> dict[str, Any]:
        return {
            "split_dir": self.split_dir,
            "articles": self.articles,
            "annotation_files": self.annotation_files,
            "annotator_rule": ANNOTATOR_RULE,
            "discontinuous_spans": DISCONTINUOUS_RULE,
            "selected_files": self.selected,
            "calibration": {
                "ece": round(self.ece, 4),
                "records_judged": self.judged,
                "share_right": round(self.right_rate, 4),
                "rule": "a top-level record is right when its content shares >= 50% with a gold content and "
                "its mention overlaps that attribution's gold source",
            },
            "extraction_failures": self.failures,
            "scores": {role: prf.to_dict() for role, prf in self.scores.items()},
            "lenient_content": {"min_token_overlap": LENIENT_THRESHOLD, **self.lenient_content.to_dict()},
        }


def evaluate_brat(split_dir: Path, predict: Predictor) -> BratResult:
    """Protocol B on ``polnear/data/<split>`` (see the module docstring)."""
    ann_files = sorted((split_dir / "attributions").glob("*.ann"))
    selected = select_annotation_files(ann_files)
    articles: list[Article] = []
    gold: dict[str, dict[str, set[tuple[int, int]]]] = {}
    for article_id, ann in selected.items():
        text_path = split_dir / "text" / f"{article_id}.txt"
        with text_path.open(encoding="utf-8", newline="") as f:  # BRAT offsets count '\r' too: keep it
            text = f.read()
        articles.append(Article.from_text(text, id=article_id, path=str(text_path)))
        gold[article_id] = gold_spans(read_brat(ann), text)
    records, failures = _run_predictor(predict, articles)
    ece, right_rate, judged = _calibration(selected, articles, records)

    scores = {role: PRF() for role in ROLES}
    lenient = PRF()
    for article in articles:
        g = gold[article.id]
        p = predicted_spans(records.get(article.id, []), article.text)
        for role in ROLES:
            scores[role].add(exact_prf(g[role], p[role]))
        lenient.add(lenient_prf(g["content"], p["content"], TokenIndex(article.text), LENIENT_THRESHOLD))
    return BratResult(
        scores,
        lenient,
        str(split_dir),
        len(articles),
        len(ann_files),
        {a: p.name for a, p in selected.items()},
        failures,
        ece,
        right_rate,
        judged,
    )


def _calibration(
    selected: dict[str, Path], articles: list[Article], records: dict[str, list[QuoteRecord]]
) -> tuple[float, float, int]:
    """Expected calibration error of the records' confidence against PolNeAR's gold attributions."""
    from quotegraph.calibration import expected_calibration_error
    from quotegraph.evaluate.calibrate import read_gold_attributions, record_is_right

    pairs = []
    for article in articles:
        gold = read_gold_attributions(selected[article.id])
        pairs += [
            (r.confidence, record_is_right(r, gold, article.text))
            for r in records.get(article.id, [])
            if r.parent is None
        ]
    right = sum(1 for _, ok in pairs if ok) / len(pairs) if pairs else 0.0
    return expected_calibration_error(pairs), right, len(pairs)


# --- report ----------------------------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def _prf_cells(prf: PRF) -> list[str]:
    return [_pct(prf.precision), _pct(prf.recall), _pct(prf.f1), str(prf.n_gold), str(prf.n_pred)]


def _published_cells(figures: dict[str, float | None]) -> str:
    return "/".join(_pct(figures[k]) for k in ("precision", "recall", "f1"))


def render_report(split: str, data: Path, a: CofenetResult, b: BratResult, console: Any = None) -> None:
    """Both protocols as two rich tables (percentages), with the published CofeNet figures beside A."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()

    def table(title: str) -> Table:
        t = Table(title=title, title_justify="left")
        t.add_column("role", no_wrap=True)
        for name in ("P", "R", "F1"):
            t.add_column(name, justify="right", style="bold", no_wrap=True)
        t.add_column("gold", justify="right", no_wrap=True)
        t.add_column("pred", justify="right", no_wrap=True)
        return t

    ta = table(f"A. CofeNet protocol (PolNeAR {split}, {Path(a.file).name}): exact BIO chunks")
    ta.add_column("CofeNet P/R/F1", justify="right", style="dim", no_wrap=True)
    ta.add_column("CRF F1", justify="right", style="dim", no_wrap=True)
    for role in ROLES:
        ta.add_row(
            role,
            *_prf_cells(a.scores[role]),
            _published_cells(PUBLISHED["BERT+CofeNet"][role]),
            _pct(PUBLISHED["BERT-CRF"][role]["f1"]),
        )

    tb = table(f"B. Article level (PolNeAR {split}, BRAT): exact spans")
    tb.add_column("lenient P/R/F1", justify="right", no_wrap=True)
    for role in ROLES:
        lenient = (
            "/".join(
                _pct(x) for x in (b.lenient_content.precision, b.lenient_content.recall, b.lenient_content.f1)
            )
            if role == "content"
            else ""
        )
        tb.add_row(role, *_prf_cells(b.scores[role]), lenient)

    console.print(f"PolNeAR {split} split; data: {data}", highlight=False)
    console.print(ta)
    console.print(
        f"A: {a.sentences} lines in {a.documents} article+annotator documents ({a.texts} distinct texts "
        f"extracted); lines cut to {a.max_tokens} tokens as CofeNet does ({a.truncated_sentences} cut); "
        f"chunks by the {a.scheme} rule. Published figures (test split): BERT+CofeNet and BERT-CRF, "
        "Wang et al., COLING 2022.",
        highlight=False,
    )
    console.print(tb)
    console.print(
        f"B: {b.articles} articles ({b.annotation_files} .ann files); {ANNOTATOR_RULE}; {DISCONTINUOUS_RULE}; "
        "content compared without its enclosing quote marks; lenient: two content spans match when they "
        f"share >= {LENIENT_THRESHOLD:.0%} of the longer one's tokens.",
        highlight=False,
    )
    console.print(
        f"Confidence: expected calibration error {b.ece:.3f} over {b.judged} top-level records "
        f"({b.right_rate:.1%} judged right: content shares >= 50% with a gold content and the mention overlaps "
        "its gold source).",
        highlight=False,
    )
    for label, failures in (("A", a.failures), ("B", b.failures)):
        if failures:
            console.print(f"[yellow]{label}: {len(failures)} articles failed and count as predicting nothing[/]")
            for line in failures[:5]:
                console.print(f"  {line}", markup=False, highlight=False)


# --- entry point -----------------------------------------------------------------------------------------------


def _default_predictor() -> Predictor:
    from quotegraph.pipeline import Extractor

    return Extractor().extract_many


def run_polnear_eval(
    split: str,
    data: Path | None,
    output: Path | None,
    *,
    predict: Predictor | None = None,
    console: Any = None,
) -> int:
    """Score quotegraph on PolNeAR ``split`` ('dev' or 'test') by both protocols; print tables, write JSON.

    Exit codes: 0 scored; 1 extraction unavailable (not implemented or failed to load); 2 bad split or the
    data folder or its files not found.
    """
    if split not in SPLITS:
        print(f"quotegraph: unknown split {split!r}; use one of {', '.join(SPLITS)}", file=sys.stderr)
        return 2
    root, looked = find_shared_data(data)
    if root is None:
        print(
            "quotegraph: PolNeAR data not found (give --data or set QUOTEGRAPH_SHARED_DATA); looked in: "
            + ", ".join(str(p) for p in looked),
            file=sys.stderr,
        )
        return 2
    bio = root / "polnear-cofenet-bio" / SPLITS[split]
    split_dir = root / "polnear" / "data" / split
    missing = [p for p in (bio, split_dir / "attributions", split_dir / "text") if not p.exists()]
    if missing:
        print(f"quotegraph: missing in {root}: " + ", ".join(str(p) for p in missing), file=sys.stderr)
        return 2
    if split == "test":
        print("quotegraph: PolNeAR test split: for reported figures only, never for tuning", file=sys.stderr)

    try:
        predict = predict or _default_predictor()
        a = evaluate_cofenet(bio, predict)
        b = evaluate_brat(split_dir, predict)
    except (NotImplementedError, ImportError) as exc:
        print(f"quotegraph: extraction is not available: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1

    render_report(split, root, a, b, console)
    if output is not None:
        report = {
            "split": split,
            "data": str(root),
            "cofenet_protocol": a.to_dict(),
            "article_protocol": b.to_dict(),
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0
