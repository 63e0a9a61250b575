"""From the tagger's spans to Attributions, and the one policy that merges them with the rules' attributions.

Linking: each content span takes the nearest cue span of a sentence it touches (outside the content), else an
unclaimed cue of the sentence just before or after ('"... at once!" he said.' often parses as two sentences), and
that cue the nearest source span of its sentence; a content with no cue takes the nearest source of its
sentences. A linked speaker or cue loses stray punctuation at its edges but keeps a closing bracket or the comma
that closes an apposition it opened ('Rep. Gwen Moore (D-Wis.)', 'Richard Revesz, director of the institute,'),
as PolNeAR's annotators mark them.

Merge policy (rules and model disagree), chosen on PolNeAR dev and the Wikinews speaker set together:
1. The rules' quotes win every overlap. Their records were written for quotegraph's notion of a quote (quote
   marks with nesting, continuations and headlines) and are the more precise; a tagged content overlapping a
   direct or mixed quote, a record others refer to (as parent, continuation or speaker source), a parenthetical
   cue's clause ('The fire, officials said, started ...'), or anything in a headline is dropped. One exception
   adds rather than replaces: a rule quote with no speaker span takes the overlapping tagged record's cue and
   source.
   The rules' plain indirect speech (a reporting verb and its clause, no quote marks) gives way: a tagged record
   overlapping only such records replaces them (the 8-epoch tagger's spans match PolNeAR's better: dev F1 +0.5 /
   +0.3 / +0.4 in the default output, +0.9 / +0.9 / +0.4 in PolNeAR scope, Wikinews quote F1 unchanged).
   So does a quoted fragment inside a tagged clause of reported words in one paragraph ('called half of his
   supporters "deplorables"'): the tagged record, a mixed quote, holds the whole object (``_fragment_of``;
   article-level content F1 on dev +1.7 in PolNeAR scope, +0.6 by default).
2. The model adds what the rules missed: a tagged content overlapping no rule record becomes a record of its
   own (rule ``model0.5`` ... ``model0.9`` by the tagger's probability, for calibration), if it is reported
   speech (``reported_speech``: a linked source, a cue that reports speech on its own, a clause as content, not
   in a question).
   With ``include_beliefs`` (PolNeAR's own scope) every tagged record is taken, beliefs and evidence included.
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc

from quotegraph.attribution import Attribution, attribute
from quotegraph.evaluate.spans import trim_quote_marks
from quotegraph.lexicon import (
    EVIDENTIAL_VERBS,
    NAMING_VERBS,
    SPEECH_ONLY_DIRECT,
    WEAK_VERBS,
    is_reporting_lemma,
)
from quotegraph.model.features import QUOTE_CHARS
from quotegraph.model.tagger import AttributionTagger, TaggedSpan
from quotegraph.record import strip_span

MODEL_RULE = "model"
# Nouns that name an utterance: 'in a statement', 'his remarks', 'her claim that ...'
SPEECH_NOUNS = frozenset(
    "statement remark comment claim interview speech tweet post letter announcement testimony assertion "
    "allegation accusation warning promise pledge message briefing address argument criticism".split()
)
# Cues that report speech only with help the tagger does not check (a colon, a particle, a 'that'): evidence
# ('found', 'suggests'), naming ('called'), weak ('read', 'credit') and quote-only verbs ('continue')
_NOT_ON_THEIR_OWN = EVIDENTIAL_VERBS | WEAK_VERBS | NAMING_VERBS | SPEECH_ONLY_DIRECT
_DOUBLE_MARKS = QUOTE_CHARS - {"'", "’", "‘", "`"}  # single marks are apostrophes too often to count


def model_rule(probability: float) -> str:
    """The tagger's records are calibrated by how sure it was: 'model<0.5', 'model0.5', ... 'model0.9'."""
    if probability < 0.5:
        return f"{MODEL_RULE}<0.5"
    return f"{MODEL_RULE}{min(0.9, int(probability * 10) / 10):.1f}"


def _sentence_index(doc: Doc) -> list[int]:
    index: list[int] = []
    current = -1
    for t in doc:
        if t.is_sent_start or t.i == 0:
            current += 1
        index.append(current)
    return index


def _gap(a: TaggedSpan, b: TaggedSpan) -> int:
    if a.end <= b.start:
        return b.start - a.end
    if b.end <= a.start:
        return a.start - b.end
    return 0


def _chars(doc: Doc, span: TaggedSpan, *, trim_punct: bool = False) -> tuple[int, int]:
    first, end = span.start, span.end
    if trim_punct:  # 'Maria Lopez,' -> 'Maria Lopez': a lone comma or dash is no part of a speaker or cue
        while end - first > 1 and doc[end - 1].is_punct and not _closes(doc, first, end - 1):
            end -= 1
        while end - first > 1 and doc[first].is_punct:
            first += 1
    last = doc[end - 1]
    return strip_span(doc.text, doc[first].idx, last.idx + len(last))


_PAIRS = {")": "(", "]": "["}


def _closes(doc: Doc, first: int, i: int) -> bool:
    """Whether token i closes a bracket or an apposition opened inside the span from ``first``: 'Rep. Gwen Moore
    (D-Wis.)' keeps its ')', and 'Richard Revesz, director of the institute,' its closing comma, as PolNeAR's
    annotators mark a source (the comma closes the apposition the name opened)."""
    text = doc[i].text
    if text in _PAIRS:
        return any(t.text == _PAIRS[text] for t in doc[first:i])
    if text == ",":
        return any(t.text == "," for t in doc[first:i])
    return False


def link(doc: Doc, spans: Sequence[TaggedSpan]) -> list[Attribution]:
    """One Attribution per tagged content span, with its linked cue and source where the tagger found them."""
    sentence = _sentence_index(doc)
    contents = [s for s in spans if s.role == "content"]
    cues = [s for s in spans if s.role == "cue"]
    sources = [s for s in spans if s.role == "source"]
    out: list[Attribution] = []
    for c in contents:
        c_sents = set(range(sentence[c.start], sentence[c.end - 1] + 1))
        cue_options = [k for k in cues if sentence[k.start] in c_sents
                       and not (c.start <= k.start and k.end <= c.end)]
        if not cue_options:  # '"... at once!" he said.' often parses as two sentences: the next one's cue
            near = {min(c_sents) - 1, max(c_sents) + 1}
            claimed = {k.start for other in contents if other is not c for k in cues
                       if sentence[k.start] in range(sentence[other.start], sentence[other.end - 1] + 1)}
            cue_options = [k for k in cues if sentence[k.start] in near and k.start not in claimed]
        cue = min(cue_options, key=lambda k: (_gap(k, c), k.start), default=None)
        anchor = cue or c
        anchor_sents = {sentence[anchor.start]} if cue else c_sents
        source_options = [s for s in sources if sentence[s.start] in anchor_sents
                          and not (c.start <= s.start and s.end <= c.end)]
        source = min(source_options, key=lambda s: (_gap(s, anchor), s.start), default=None)
        marked = _chars(doc, c)
        start, end = trim_quote_marks(doc.text, *marked)
        if end <= start:
            continue
        has_marks = any(ch in _DOUBLE_MARKS for ch in doc.text[start:end])
        kind = "mixed" if has_marks else "direct" if (start, end) != marked else "indirect"
        parts = [c] + [s for s in (cue, source) if s is not None]
        probability = sum(s.probability for s in parts) / len(parts)
        a = Attribution(start=start, end=end, kind=kind, rule=model_rule(probability), confidence=probability)
        a.evidence.append(f"content, cue and source spans from the trained tagger (mean probability {probability:.2f})")
        if cue is not None:
            a.cue = _chars(doc, cue, trim_punct=True)
        if source is not None:
            a.source = _chars(doc, source, trim_punct=True)
            a.source_head = doc[source.start : source.end].root.i
        out.append(a)
    return out


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def reported_speech(doc: Doc, a: Attribution) -> bool:
    """Whether a tagged record is a quote in the sense of quotegraph's default output: someone (a linked
    source) reporting speech or writing (a reporting verb or a speech noun as cue, not an evidential one such as
    'found' or 'suggests') of a clause (a content with a verb). PolNeAR also annotates beliefs, intentions,
    evidence and bare objects ('told Wikinews', 'announced the new region'); those stay out unless
    ``include_beliefs``."""
    if a.cue is None or a.source is None:
        return False
    cue = doc.char_span(a.cue[0], a.cue[1], alignment_mode="expand")
    content = doc.char_span(a.start, a.end, alignment_mode="expand")
    if cue is None or content is None or len(content) < 3:
        return False
    if cue.sent.text.rstrip().endswith("?"):  # a question asks for speech, it reports none (as in the rules)
        return False
    lemmas = {t.lemma_.lower() for t in cue}
    if lemmas & _NOT_ON_THEIR_OWN:
        return False
    if not any(is_reporting_lemma(x) or x in SPEECH_NOUNS for x in lemmas):
        return False
    # a clause, not a noun phrase: 'announced a naval coalition to patrol the Gulf' reports an act, not words
    return content.root.pos_ in ("VERB", "AUX")


def merge(
    doc: Doc,
    rules: Sequence[Attribution],
    model: Sequence[Attribution],
    *,
    include_beliefs: bool = False,
    headline: bool = False,
) -> list[Attribution]:
    """The rules' and the model's attributions under the module's policy, ordered by content start, with the
    rules' ``parent``/``continues``/``inherit_from`` indices remapped."""
    if not include_beliefs:
        model = [m for m in model if reported_speech(doc, m)]
    top = [i for i, a in enumerate(rules) if a.parent is None]
    referred = {ref for a in rules for ref in (a.parent, a.continues, a.inherit_from) if ref is not None}
    yielding = {  # the rules' records a tagged record may replace
        i for i in top
        if not headline and rules[i].kind == "indirect" and i not in referred and not _parenthetical(rules[i])
    }
    keep_model: list[Attribution] = []
    replaced: set[int] = set()
    for m in model:
        span = (m.start, m.end)
        hits = [i for i in top if _overlap(span, (rules[i].start, rules[i].end)) > 0]
        direct_hits = [i for i in hits if rules[i].kind == "direct"]
        for i in direct_hits:
            r = rules[i]
            if r.source is None and m.source is not None and _overlap(span, (r.start, r.end)) * 2 >= r.end - r.start:
                r.source, r.source_head = m.source, m.source_head
                r.cue = r.cue or m.cue
                r.evidence.append("speaker span from the trained tagger (the rules found none)")
        absorbed = [i for i in hits if i not in yielding and not headline and i not in referred
                    and _fragment_of(doc, rules[i], m)]
        if all(i in yielding or i in absorbed for i in hits):
            if absorbed:
                m.kind = "mixed"
                m.evidence.append("holds the rules' quoted fragment among reported words")
                donor = rules[absorbed[0]]
                if m.source is None and donor.source is not None:
                    m.source, m.source_head, m.cue = donor.source, donor.source_head, m.cue or donor.cue
            keep_model.append(m)
            replaced.update(hits)
    kept_rules = [i for i in range(len(rules)) if i not in replaced]
    combined: list[tuple[int, int, Attribution, int | None]] = [(rules[i].start, 0, rules[i], i) for i in kept_rules]
    combined += [(m.start, 1, m, None) for m in keep_model]
    combined.sort(key=lambda x: (x[0], x[1]))
    new_index = {old: new for new, (_, _, _, old) in enumerate(combined) if old is not None}

    def remap(ref: int | None) -> int | None:
        return None if ref is None else new_index.get(ref)

    result: list[Attribution] = []
    for _, _, a, old in combined:
        if old is not None:
            a.parent, a.continues, a.inherit_from = remap(a.parent), remap(a.continues), remap(a.inherit_from)
        result.append(a)
    return result


def _fragment_of(doc: Doc, quote: Attribution, tagged: Attribution) -> bool:
    """Whether a rules' direct quote is a fragment inside a tagged clause of reported words in one paragraph
    ('called half of his supporters "deplorables"': the content is the whole object, the quote a part of it),
    so that the tagged record, a mixed quote, replaces it."""
    if quote.kind != "direct" or quote.quote is None:
        return False
    outer = (quote.quote.outer_start, quote.quote.outer_end)
    if not (tagged.start <= outer[0] and outer[1] - 1 <= tagged.end + 1):
        return False
    text = doc.text
    if "\n" in text[tagged.start : tagged.end]:
        return False
    before = [w for w in text[tagged.start : outer[0]].split() if any(ch.isalnum() for ch in w)]
    return len(before) >= 2


def _parenthetical(record: Attribution) -> bool:
    """A cue inside its own content ('The fire, officials said, started ...'): the rules' reading, kept whole."""
    return record.cue is not None and record.start < record.cue[0] < record.end


def attribute_with_tagger(
    doc: Doc, tagger: AttributionTagger | None, *, include_beliefs: bool = False, headline: bool = False
) -> list[Attribution]:
    """The rules' attributions on ``doc``, merged with the tagger's where there is one: what both the Extractor
    and the spaCy component run."""
    found = attribute(doc, include_beliefs=include_beliefs, headline=headline)
    if tagger is None:
        return found
    return merge(doc, found, link(doc, tagger.spans(doc, found)), include_beliefs=include_beliefs, headline=headline)


__all__ = ["MODEL_RULE", "attribute_with_tagger", "link", "merge"]
