"""Attribution: each quote's content, cue and source mention, found with rules over the parse.

Direct quotes come from quote marks (``quotes.find_quotes``); indirect and mixed ones from reporting verbs with a
clausal complement and from 'according to'. Each direct quote then looks for its cue in a fixed order of
patterns, most reliable first; the pattern that fired is kept as evidence and sets the prior confidence.
Offsets are characters into ``doc.text``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import cast

from spacy.tokens import Doc, Span, Token

from quotegraph.lexicon import (
    ANONYMOUS_NOUNS,
    DIRECTIVE_VERBS,
    DOCUMENT_NOUNS,
    EVIDENTIAL_VERBS,
    NAMING_VERBS,
    NON_AGENT_NOUNS,
    PARTICLE_VERBS,
    PERSONAL_PRONOUNS,
    SPEECH_ONLY_DIRECT,
    WEAK_VERBS,
    first_name_genders,
    is_reporting_lemma,
)
from quotegraph.quotes import QUOTE_MARK_CHARS, QuoteSpan, find_quotes
from quotegraph.record import strip_span

# Prior confidence of each pattern: how often it gives the right speaker. Set by hand, to be calibrated.
PATTERN_PRIOR = {
    "parse": 0.92,  # a reporting verb whose clausal complement is the quote
    "adjacent-after": 0.9,  # "...," she said.
    "adjacent-before": 0.88,  # She said: "..."
    "according-to": 0.9,
    "colon-paragraph": 0.8,  # Caddell continued:\n"..."
    "dash": 0.8,  # "..." - Commissioner X
    "speaker-colon": 0.8,  # Trump: '...' and 'Pat Caddell: Voters worried ...' (headlines, transcripts)
    "same-paragraph": 0.85,  # "A," she said. "B."
    "continuation": 0.88,  # a quote running on into the next paragraph
    "floating": 0.7,  # a quote paragraph right after an attributed quote
    "previous-sentence": 0.5,  # speaker named as subject just before
    "introducing-clause": 0.7,  # 'Jagger reacted on Twitter: "..."'

    "none": 0.35,
    "indirect": 0.72,
    "indirect-according-to": 0.75,
}

# How each pattern reads in a record's evidence.
RULE_EXPLANATION = {
    "parse": "a reporting verb whose clause is the quote",
    "adjacent-after": "a reporting verb right after the quote",
    "adjacent-before": "a reporting verb right before the quote",
    "colon-paragraph": "the reporting verb of the paragraph before, ending in a colon",
    "indirect": "a reporting verb with a complement clause (reported speech)",
}

_CLAUSE_DEPS = ("ccomp", "xcomp", "parataxis")
# Verbs that quote words only as what something is called ('justified the strike as "defensive"').
AS_PREDICATE_VERBS = frozenset("justify designate identify portray".split())
# Directive verbs that make a request even with no addressee ('wrote to the embassy asking to waive ...').
REQUEST_VERBS = frozenset("ask request demand".split())
# Verbs whose small clause ('declared the outbreak an emergency') is what was declared or ruled.
SMALL_CLAUSE_VERBS = frozenset("call declare rule find".split())
# Nouns for what someone said: 'The government's counter-argument was that ...'.
SPEECH_NOUNS = frozenset("argument counter-argument counterargument claim contention assertion response reply answer "
                         "message position statement explanation".split())
# Recordings and physical evidence: 'according to traffic camera footage' quotes nobody.
RECORDING_NOUNS = frozenset("footage video image photo photograph picture recording tape camera evidence".split())
# Subjects whose 'ruled', 'found' and 'decided' report a ruling.
RULING_BODIES = frozenset("court judge justice jury panel tribunal commission committee board inquiry".split())
_CUT_DEPS = {"relcl", "appos", "advcl", "parataxis", "acl", "punct", "cc", "conj", "dep", "npadvmod"}
_SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj")


@dataclass
class Attribution:
    """A quote found in one Doc, in character offsets of ``doc.text``."""

    start: int
    end: int
    kind: str
    cue: tuple[int, int] | None = None
    source: tuple[int, int] | None = None
    source_head: int | None = None  # token index of the source mention's head, for resolution
    rule: str = "none"
    confidence: float = PATTERN_PRIOR["none"]
    parent: int | None = None
    continues: int | None = None
    inherit_from: int | None = None  # another attribution whose speaker this one takes
    evidence: list[str] = field(default_factory=list)
    # filled in by speakers.resolve_speakers
    speaker: str | None = None
    speaker_type: str = "unknown"
    anonymous: dict | None = None
    about: list[str] = field(default_factory=list)
    quote: QuoteSpan | None = None

    def text(self, doc: Doc) -> str:
        return doc.text[self.start : self.end]


def attribute(doc: Doc, *, include_beliefs: bool = False, headline: bool = False) -> list[Attribution]:
    """All attributions in ``doc``, ordered by content start."""
    finder = _Finder(doc, include_beliefs=include_beliefs, headline=headline)
    return finder.run()


class _Finder:
    def __init__(self, doc: Doc, *, include_beliefs: bool, headline: bool) -> None:
        self.doc = doc
        self.text = doc.text
        # doc.ents builds a Span per entity of the whole doc on every access: read it once, not once per quote
        # (per-quote reads made extraction quadratic in the article's length; issue 9)
        self.ents = doc.ents
        self.include_beliefs = include_beliefs
        self.headline = headline
        self.quotes = _drop_names(self.text, find_quotes(self.text))
        # token index -> index of the innermost direct quote (outer span, marks included) holding it
        self.in_quote: list[int | None] = [None] * len(doc)
        self.quote_tokens: list[tuple[int, int]] = []
        for qi, q in enumerate(self.quotes):
            span = doc.char_span(q.outer_start, q.outer_end, alignment_mode="expand")
            if span is None:
                self.quote_tokens.append((0, 0))
                continue
            self.quote_tokens.append((span.start, span.end))
            for t in range(span.start, span.end):
                current = self.in_quote[t]
                if current is None or self.quotes[current].parent is None or q.parent is not None:
                    self.in_quote[t] = qi
        self.paragraphs = _paragraph_bounds(self.text)
        self.paragraph_starts = [p[0] for p in self.paragraphs]
        self.quote_starts = [q.start for q in self.quotes]  # find_quotes returns them sorted by start

    # --- shared helpers -------------------------------------------------------------------------------------

    def top_quote_of(self, token_i: int) -> int | None:
        qi = self.in_quote[token_i]
        while qi is not None and self.quotes[qi].parent is not None:
            qi = self.quotes[qi].parent
        return qi

    def is_cue(self, token: Token, direct: bool = True) -> bool:
        lemma = token.lemma_.lower()
        if token.pos_ not in ("VERB", "AUX") and token.tag_ not in ("VBD", "VBZ", "VBP", "VBG", "VBN", "VB"):
            if not (self.headline and token.is_title and token.pos_ in ("PROPN", "NOUN")):
                return False
            lemma = _headline_verb_lemma(token.lower_)  # Title Case headlines tag 'Vows' as a proper noun
        if not is_reporting_lemma(lemma, self.include_beliefs):
            return False
        if not direct and lemma in SPEECH_ONLY_DIRECT:
            return False
        if direct and lemma in WEAK_VERBS and not (lemma == "read" and self.document_subject(token)):
            return False  # but 'the statement read: "..."' and '"...", reads a press release' report
        if lemma in NAMING_VERBS and ((token.dep_ in ("acl", "amod") and token.tag_ != "VBD") or not any(
            c.dep_ in ("nsubj", "nsubjpass") for c in token.children
        ) and token.tag_ == "VBN"):
            return False  # 'a process called "exfiltration"' names, it does not report
        if lemma in AS_PREDICATE_VERBS and not any(c.lower_ == "as" for c in token.subtree):
            return False  # 'justified the strike as "defensive"' quotes; 'justified the strike' does not
        if lemma == "put" and not (any(c.lower_ == "as" and c.dep_ in ("mark", "advmod", "prep") for c in token.children)
                                   and any(c.dep_ == "dobj" and c.lower_ == "it" for c in token.children)):
            return False  # 'as the decision put it'
        if lemma == "talk" and not any(c.dep_ == "prep" and c.lower_ in ("of", "about") for c in token.children):
            return False  # 'talked of Munk's "countless discoveries"' quotes; 'talked' alone does not
        if lemma == "refer" and not any(c.dep_ == "prep" and c.lower_ == "as" for c in token.subtree):
            return False  # 'referred to the vote as "The Impeachment Hoax"' names it so; 'referred to' alone does not
        particle = PARTICLE_VERBS.get(lemma, "")
        if particle and not any(c.dep_ == "prt" and c.lower_ == particle for c in token.children):
            return False
        return True

    def document_subject(self, verb: Token) -> bool:
        """'the statement read', and inverted '"...", reads a press release' (parsed as an object)."""
        subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        if subject is None:
            subject = next((c for c in verb.children if c.dep_ == "dobj" and c.i > verb.i), None)
        return subject is not None and subject.lemma_.lower() in DOCUMENT_NOUNS

    def cue_span(self, token: Token) -> tuple[int, int]:
        """The cue's characters: the whole verb group, with the auxiliaries, negation and adverbs right before the
        verb ('has said', 'did not mention', 'also told') and its particle ('pointed out')."""
        start, end = token.idx, token.idx + len(token)
        first = token.i
        group = {c.i for c in token.children if c.dep_ in ("aux", "auxpass", "neg", "advmod")}
        while first - 1 in group and self.in_quote[first - 1] is None:
            first -= 1
        start = self.doc[first].idx
        for child in token.children:
            if child.dep_ == "prt" and child.i == token.i + 1:
                end = child.idx + len(child)
        return start, end

    def paragraph_of(self, char: int) -> tuple[int, int]:
        k = bisect_right(self.paragraph_starts, char) - 1
        if k >= 0 and self.paragraphs[k][0] <= char <= self.paragraphs[k][1]:
            return self.paragraphs[k]
        return (0, len(self.text))

    def quotes_in_paragraph(self, para: tuple[int, int], direct: list[Attribution]) -> list[int]:
        """Indices of the top-level direct quotes starting in a paragraph (quotes are sorted by start)."""
        lo = bisect_left(self.quote_starts, para[0])
        hi = bisect_right(self.quote_starts, para[1])
        return [j for j in range(lo, hi) if direct[j].parent is None]

    def subject_of(self, verb: Token) -> Token | None:
        """The speaker's head token for a reporting verb, climbing through 'adding', conjuncts and 'who'."""
        quoted = self.quoted_as_saying(verb)
        if quoted is not None:
            return quoted
        seen = 0
        start = verb
        if verb.dep_ == "conj" and verb.head.dep_ == "ccomp" and self.is_cue(verb.head.head, direct=False):
            verb = verb.head.head  # 'X found the strike justified and called ...': coordinated with the outer verb
        while verb is not None and seen < 6:
            seen += 1
            climbed = verb is not start
            if climbed and self.in_quote[verb.i] is not None and self.in_quote[start.i] is None:
                # the parse hung the cue on a verb inside a quote ('"I do not make this decision lightly",
                # calling it ...'): the speaker is the subject of the clause the quote belongs to
                if verb.head is verb:
                    break
                verb = verb.head
                continue
            for child in verb.children:
                if child.dep_ in ("nsubj", "nsubjpass") and self.in_quote[child.i] is None:
                    if child.lower_ in ("who", "that") and verb.dep_ == "relcl":
                        return verb.head
                    if child.dep_ == "nsubjpass":
                        agent = self.passive_agent(verb)
                        if agent is not None or not climbed:
                            return agent
                        # 'the attacker is reported to have ... claimed', 'X was met with applause upon
                        # announcing ...': the passive subject of the governing clause is the one who speaks
                        return child
                    return child
            for child in verb.children:  # 'according to X' and the agent of 'was told by X'
                if child.dep_ == "agent":
                    return self.passive_agent(verb)
            if verb.dep_ in ("advcl", "conj", "xcomp") and verb.head is not verb:
                verb = verb.head  # 'adding ...', 'laughed and said', 'went on to say'
                continue
            if verb.dep_ == "pcomp" and verb.head.dep_ == "prep" and verb.head.head.pos_ in ("VERB", "AUX"):
                verb = verb.head.head  # 'by saying ...', 'upon announcing ...': the clause the phrase modifies
                continue
            if verb.dep_ == "acl" and verb.tag_ == "VBD":
                # a finite verb the small model hung on a noun ('... speaking to the think tank called the
                # agreement "null and void"'): the clause above it has the subject
                governing = next((t for t in verb.ancestors if t.pos_ in ("VERB", "AUX")), None)
                if governing is not None:
                    verb = governing
                    continue
            if verb.dep_ == "csubj" and verb.tag_ == "VBG" and verb.head is not verb:
                verb = verb.head  # a participle the small model took for a clausal subject ('..., posting ...')
                continue
            if verb.dep_ == "acl" and verb.head.lemma_.lower() in DOCUMENT_NOUNS:
                return verb.head  # 'issued a statement saying ...': the statement (its author) speaks
            break
        return None

    def quoted_as_saying(self, verb: Token) -> Token | None:
        """'Politico quoted Tim Manning as saying ...', 'Manning was quoted as saying ...': the one quoted speaks."""
        if verb.tag_ != "VBG" or verb.head is verb:
            return None
        prep = verb.head if verb.head.lower_ == "as" else None
        quote_verb = prep.head if prep is not None else verb.head
        if quote_verb.lemma_.lower() != "quote":
            return None
        for child in quote_verb.children:
            if child.dep_ in ("dobj", "nsubjpass"):
                return child
        return None

    def passive_agent(self, verb: Token) -> Token | None:
        for child in verb.children:
            if child.dep_ == "agent":
                for grandchild in child.children:
                    if grandchild.dep_ == "pobj":
                        return grandchild
        return None

    def mention_bounds(self, head: Token) -> tuple[int, int]:
        """Characters of the noun phrase around ``head`` as the article writes it, with its apposition or relative
        clause ('Brian Fallon, a spokesman for Mrs. Clinton'), cut before a quote, a new clause or a paragraph."""
        left = head.i
        for tok in reversed(list(head.lefts)):
            if tok.dep_ in _CUT_DEPS or self.in_quote[tok.i] is not None:
                break
            left = min(left, tok.left_edge.i)
        right = head.i
        rights = list(head.rights)
        for k, tok in enumerate(rights):
            if self.in_quote[tok.i] is not None:
                break
            if tok.is_punct:
                following = rights[k + 1] if k + 1 < len(rights) else None
                if tok.text == "," and following is not None and following.dep_ in ("appos", "relcl"):
                    continue
                closing = self.bracket_end(tok) if tok.text == "(" else None
                if closing is not None:
                    # 'Rep. Gwen Moore (D-Wis.)', 'the Alliance to Reclaim Our Schools (AROS)': part of the name
                    right = max(right, closing)
                    continue
                if tok.i <= right:  # the ')' of a bracket already taken
                    continue
                break
            if tok.dep_ in ("appos", "relcl"):
                edge = tok.right_edge.i
                described = self.doc[tok.i : edge + 1]
                if edge - head.i > 40 or "\n" in described.text or any(self.in_quote[t.i] is not None for t in described):
                    break
                right = max(right, edge)
                continue
            if tok.dep_ in _CUT_DEPS:
                break
            if tok.dep_ in ("prep", "amod", "compound", "nummod", "pobj", "acl") or tok.pos_ in ("PROPN",):
                if tok.dep_ == "acl" and not any(w.lower_ in ("familiar", "close") for w in tok.subtree):
                    break
                right = max(right, tok.right_edge.i)
            else:
                break
        # keep inside the sentence and out of quotes
        while left < head.i and (self.doc[left].is_punct or self.in_quote[left] is not None):
            left += 1
        while right > head.i and (self.doc[right].is_punct or self.in_quote[right] is not None):
            if self.doc[right].text == ")" and any(t.text == "(" for t in self.doc[head.i : right]):
                break
            right -= 1
        # the comma that closes an apposition is the apposition's ('Brian Fallon, a spokesman for Mrs. Clinton,'),
        # as PolNeAR's annotators and the tagger mark a source
        after = right + 1
        if (
            after < len(self.doc) and self.doc[after].text == "," and self.in_quote[after] is None
            and any(t.text == "," for t in self.doc[head.i : right])
        ):
            right = after
        # 'UCL astronomer Angelos Tsiaras': a role noun followed by the name it describes
        nxt = right + 1
        if nxt < len(self.doc) and self.doc[nxt].ent_type_ == "PERSON" and self.in_quote[nxt] is None:
            right = nxt
        # a named entity is never cut in half
        for tok in (self.doc[left], self.doc[right]):
            if tok.ent_type_:
                ent = next((e for e in self.ents if e.start <= tok.i < e.end), None)
                if ent is not None:
                    left, right = min(left, ent.start), max(right, ent.end - 1)
        return self.doc[left].idx, self.doc[right].idx + len(self.doc[right])

    def bracket_end(self, opener: Token) -> int | None:
        """The index of the ')' closing a short bracket that opens at ``opener`` on the same line, outside quotes."""
        for tok in self.doc[opener.i + 1 : opener.i + 9]:
            if "\n" in tok.text or tok.text == "(" or self.in_quote[tok.i] is not None:
                return None
            if tok.text == ")":
                return tok.i
        return None

    def mention_between(
        self, start_tok: int, end_tok: int, longest: int = 12
    ) -> tuple[tuple[int, int], int] | None:
        """A mention made of the tokens start_tok..end_tok-1 (positional patterns), with its head."""
        toks = [t for t in self.doc[start_tok:end_tok] if not t.is_space]
        while toks and (toks[0].is_punct or toks[0].lower_ in ("and", "but")):
            toks = toks[1:]
        while toks and toks[-1].is_punct:
            toks = toks[:-1]
        if not toks or len(toks) > longest:
            return None
        if not any(t.pos_ in ("PROPN", "NOUN", "PRON") for t in toks):
            return None
        if any(t.tag_ in ("VBD", "VBZ", "VBP", "MD") for t in toks):
            return None  # a clause, not a name ('had 750,000 followers on Facebook, and')
        if any(self.in_quote[t.i] is not None for t in toks):
            return None
        head = _head_in(toks)
        return (toks[0].idx, toks[-1].idx + len(toks[-1])), head.i

    # --- the passes ---------------------------------------------------------------------------------------

    def run(self) -> list[Attribution]:
        direct = [self.direct_attribution(qi) for qi in range(len(self.quotes))]
        indirect = self.indirect_attributions()
        self.link_direct_by_parse(direct)
        self.link_direct_by_position(direct)
        self.link_direct_by_context(direct)
        merged = self.merge(direct, indirect)
        return merged

    def direct_attribution(self, qi: int) -> Attribution:
        q = self.quotes[qi]
        a = Attribution(start=q.start, end=q.end, kind="direct", quote=q, parent=q.parent, continues=q.continues)
        label = _TRANSCRIPT_LABEL.match(self.text, q.start, q.end)
        if label is not None and q.parent is None and not _LABEL_WORDS & set(label.group(1).lower().split()):
            # a quoted transcript line '"PENCE: Well, the question ..."': the label is its speaker, not its words
            name = label.group(1)
            a.start = label.end()
            a.cue = (q.start + len(name), q.start + len(name) + 1)
            a.source = (q.start, q.start + len(name))
            span = self.doc.char_span(*a.source, alignment_mode="expand")
            a.source_head = span.root.i if span is not None else None
            a.rule, a.confidence = "speaker-colon", PATTERN_PRIOR["speaker-colon"]
            a.evidence.append("'SPEAKER: words' opens the quote")
        return a

    def link(
        self,
        a: Attribution,
        verb: Token | None,
        rule: str,
        cue: tuple[int, int] | None = None,
        between: tuple[int, int] | None = None,
    ) -> None:
        """Give ``a`` its cue and source from a reporting verb (or a cue without a verb). ``between`` is a token
        range to read the speaker from when the parse gives the verb no subject ('"...," X told Reuters')."""
        a.rule = rule
        a.confidence = PATTERN_PRIOR[rule]
        if verb is not None:
            a.cue = cue or self.cue_span(verb)
            subject = self.subject_of(verb)
            named = None
            if subject is not None and subject.i > verb.i and subject.ent_type_ != "PERSON":
                named = self.name_closing_clause(verb)  # 'said X's chancellor, Pradeep Khosla'
            elif subject is not None and subject.i < verb.i and subject.ent_type_ != "PERSON":
                named = self.name_before_verb(verb, subject)  # 'The general secretary of the union, Mick Cash, said'
            if named is not None:
                a.source, a.source_head = named
            elif subject is not None:
                a.source = self.mention_bounds(subject)
                a.source_head = subject.i
            else:
                positional = self.mention_between(*between) if between and between[1] > between[0] else None
                passive = any(c.dep_ == "nsubjpass" for c in verb.children)
                if positional is None and verb.tag_ != "VBG" and not passive:
                    # 'Calling it ...' has no speaker of its own; 'Residents were told to ...' names none
                    positional = self.source_near_verb(verb, a)
                if positional is not None:
                    a.source, a.source_head = positional
        elif cue is not None:
            a.cue = cue
        cue_text = self.text[a.cue[0] : a.cue[1]] if a.cue else "none"
        a.evidence.append(f"cue '{cue_text}': {RULE_EXPLANATION.get(rule, rule)}")

    def source_near_verb(self, verb: Token, a: Attribution) -> tuple[tuple[int, int], int] | None:
        """'said X' with no parsed subject: the noun phrase right after (or before) the verb."""
        sent = verb.sent
        after_end = verb.i + 1
        while after_end < sent.end and not (self.doc[after_end].is_punct and self.doc[after_end].text != "."):
            if self.doc[after_end].text == "." or self.in_quote[after_end] is not None:
                break
            after_end += 1
        named = self.name_closing_clause(verb)
        if named is not None:
            return named
        found = self.mention_between(verb.i + 1, after_end)
        if found is not None:
            return found
        before_start = verb.i
        while before_start > sent.start and not self.doc[before_start - 1].is_punct:
            if self.in_quote[before_start - 1] is not None:
                break
            before_start -= 1
        return self.mention_between(before_start, verb.i)

    def link_direct_by_parse(self, direct: list[Attribution]) -> None:
        """A reporting verb outside the quote whose clausal complement is inside it."""
        for token in self.doc:
            if self.in_quote[token.i] is not None or not self.is_cue(token):
                continue
            for child in token.children:
                if child.dep_ not in _CLAUSE_DEPS:
                    continue
                qi = self.top_quote_of(child.i)
                if qi is None or direct[qi].cue is not None:
                    continue
                if not self.same_sentence_window(token, qi):
                    continue
                self.link(direct[qi], token, "parse")

    def same_sentence_window(self, token: Token, qi: int) -> bool:
        """The verb sits right before or after the quote, with no other quote between them."""
        q_start, q_end = self.quote_tokens[qi]
        lo, hi = (token.i, q_start) if token.i < q_start else (q_end, token.i)
        if hi - lo > 25:
            return False
        return not any(self.in_quote[i] is not None and self.top_quote_of(i) != qi for i in range(lo, hi))

    def link_direct_by_position(self, direct: list[Attribution]) -> None:
        """Cues right after the quote ('"...," she said') or right before it ('She said: "..."')."""
        for qi, a in enumerate(direct):
            if a.cue is not None or a.parent is not None:
                continue
            q_start, q_end = self.quote_tokens[qi]
            if q_end <= q_start:
                continue
            if self.cue_after(qi, a, q_end) or self.cue_before(qi, a, q_start):
                continue
            self.dash_after(qi, a, q_end)

    def names_only(self, a: Attribution, verb: Token) -> bool:
        """'identified the man as "P Wilson"': an as-predicate verb before a quoted name gives a name, not words."""
        return verb.lemma_.lower() in AS_PREDICATE_VERBS and self.looks_like_a_name(a)

    def cue_after(self, qi: int, a: Attribution, q_end: int) -> bool:
        # the clause after the closing mark, up to the sentence's end or the next quote
        i = q_end
        limit = min(len(self.doc), q_end + 14)
        ends_sentence = self.text[a.end - 1 : a.end] in (".", "!", "?") if a.quote and a.quote.closed else True
        if ends_sentence and i < len(self.doc) and self.doc[i].is_alpha and (
            self.doc[i].is_title or self.doc[i].is_upper or self.doc[i].pos_ == "PROPN"
        ):
            # '"We won." She left.': a new sentence; only a short 'She said.' counts
            limit = min(limit, i + 5)
        while i < limit:
            tok = self.doc[i]
            if "\n" in tok.text or self.in_quote[i] is not None:
                return False
            if tok.text in (".", "!", "?", ";"):
                return False
            if tok.dep_ == "cc" and tok.lower_ in ("and", "but", "while", "or") and i > q_end:
                return False  # '"Soviet-style" and Ross Spano calling ...': a new clause with its own cue
            if self.is_cue(tok):
                self.link(a, tok, "adjacent-after", between=(q_end, tok.i))
                return True
            i += 1
        return False

    def name_before_verb(self, verb: Token, subject: Token) -> tuple[tuple[int, int], int] | None:
        """'The general secretary of the RMT union (...), Mick Cash, said', 'Study co-author and geochemist Seth
        John remarked': a descriptor subject whose person's name stands right before the verb."""
        if subject.pos_ not in ("NOUN", "X") or self.in_quote[subject.i] is not None:
            return None
        k = verb.i - 1
        while k > subject.i and (self.doc[k].dep_ in ("aux", "auxpass", "neg", "advmod") or self.doc[k].text == ","):
            k -= 1
        if k <= subject.i or self.doc[k].ent_type_ != "PERSON" or self.in_quote[k] is not None:
            return None
        ent = next((e for e in self.ents if e.start <= k < e.end), None)
        if ent is None or ent.end - 1 != k or ent.start <= subject.i:
            return None
        if any(t.text in (".", ";", ":") or "\n" in t.text for t in self.doc[subject.i : ent.start]):
            return None
        return (ent.start_char, ent.end_char), ent.root.i

    def name_closing_clause(self, verb: Token) -> tuple[tuple[int, int], int] | None:
        """'said University of California, San Diego's chancellor, Pradeep Khosla.': after an inverted cue, a
        phrase up to the sentence's end that ends in a person's name; the name is its head."""
        end = verb.i + 1
        while end < len(self.doc) and end - verb.i <= 25:
            tok = self.doc[end]
            if tok.text in (".", ";", "!", "?") or "\n" in tok.text or self.in_quote[end] is not None:
                break
            end += 1
        last = end - 1
        while last > verb.i and self.doc[last].is_punct:
            last -= 1
        first = verb.i + 1
        if last <= verb.i:
            return None
        tail = self.doc[last]
        if tail.ent_type_ != "PERSON":
            # a name the small model missed, in apposition to a role noun ('..., San Diego's chancellor, Pradeep
            # Khosla'): a capitalised name right after a comma at the end of the phrase
            name_start = last
            while name_start - 1 > verb.i and self.doc[name_start - 1].pos_ == "PROPN" and self.doc[name_start - 1].is_title:
                name_start -= 1
            if (tail.pos_ == "PROPN" and tail.dep_ == "appos" and tail.head.pos_ == "NOUN" and last > name_start
                    and self.doc[name_start - 1].text == "," and not self.doc[name_start].ent_type_):
                return (self.doc[first].idx, tail.idx + len(tail)), tail.i
            return None
        ent = next((e for e in self.ents if e.start <= last < e.end), None)
        if ent is None or ent.end - 1 != last:
            return None
        return (self.doc[first].idx, ent.end_char), ent.root.i

    def cue_before(self, qi: int, a: Attribution, q_start: int) -> bool:
        i = q_start - 1
        limit = max(0, q_start - 25)
        while i >= limit:
            tok = self.doc[i]
            if "\n" in tok.text or self.in_quote[i] is not None:
                break  # an earlier quote's words: only a clause ending right before this quote can introduce it
            if tok.text in (".", "!", "?", ";") and i < q_start - 1:
                break  # the sentence before: only a clause of the quote's own sentence can introduce it
            if tok.lower_ == "according" and i + 1 < len(self.doc) and self.doc[i + 1].lower_ == "to":
                self.according_to(a, tok)
                return True
            if self.is_cue(tok):
                if self.names_only(a, tok):
                    return False
                self.link(a, tok, "adjacent-before")
                return True
            i -= 1
        return self.introduced_by_sentence(a, q_start)

    def introduced_by_sentence(self, a: Attribution, q_start: int) -> bool:
        """'Mick Jagger also reacted on Twitter: "..."', 'he appreciated Soleimani's lifepath: "..."': a clause
        with a person or organization as subject, ending in a colon (or comma) right before the quote."""
        before = q_start - 1
        while before >= 0 and self.doc[before].is_space:
            before -= 1
        if before < 1 or self.doc[before].text not in (":", ",") or "\n" in self.text[self.doc[before].idx : a.start]:
            return False  # a colon ending the previous paragraph is colon_paragraph's
        # the clause the colon ends: up from its last word through the verbs above it, to the first whose subject
        # can speak ('finding that the prorogation was ...: "..."' is the court's, not the prorogation's)
        tok = self.doc[before - 1]
        subject = None
        verb = tok
        for _ in range(12):
            if "\n" in self.doc[min(tok.i, before) : before].text:
                return False
            if tok.pos_ in ("VERB", "AUX") and self.in_quote[tok.i] is None:
                verb = tok
                if tok.dep_ == "acl" and self.is_cue(tok) and tok.head.lemma_.lower() in DOCUMENT_NOUNS:
                    candidate: Token | None = tok.head  # 'The summary of the decision read in part: "..."'
                else:
                    candidate = self.subject_of(tok)
                if candidate is not None and (
                    candidate.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") or candidate.lower_ in PERSONAL_PRONOUNS
                    or candidate.lemma_.lower() in DOCUMENT_NOUNS
                ):
                    subject = candidate
                    break
            if tok.head is tok:
                break
            tok = tok.head
        if subject is None:
            return False
        if self.doc[before].text == "," and self.doc[before].i - verb.i > 12:
            return False
        a.cue = (self.doc[before].idx, self.doc[before].idx + 1)
        a.source, a.source_head = self.mention_bounds(subject), subject.i
        a.rule, a.confidence = "introducing-clause", PATTERN_PRIOR["introducing-clause"]
        a.evidence.append(f"introduced by the clause before it, whose subject is '{subject.text}'")
        return True

    def according_to(self, a: Attribution, according: Token, last: Token | None = None) -> None:
        """'according to X' (or 'per X', 'by reports'; ``last`` is the cue's last token): X is the source."""
        to = last if last is not None else self.doc[according.i + 1]
        a.rule = "according-to"
        a.confidence = PATTERN_PRIOR["according-to"]
        a.cue = (according.idx, to.idx + len(to))
        # the phrase after 'to' up to the next comma: sturdier than the small model's pobj attachment
        end = self.according_to_end(to)
        found = self.mention_between(to.i + 1, end, longest=24)
        if last is not None and last.i == according.i + 1 and last.lower_ != "to":
            found = ((last.idx, last.idx + len(last)), last.i)  # 'by reports': the reports are the source
        if found and end + 1 < len(self.doc) and self.doc[end].text == "," and self.doc[end + 1].pos_ == "PROPN" \
                and self.doc[found[1]].pos_ == "NOUN":
            # 'According to his wife, Amanda, ...': the name set beside the descriptor is the mention
            k = end + 1
            while k < len(self.doc) and self.doc[k].pos_ == "PROPN" and self.doc[k].is_title and k < end + 5:
                k += 1
            name = self.doc[end + 1 : k]
            if (k >= len(self.doc) or self.doc[k].text in (",", ".", ";")) and (
                name[0].ent_type_ == "PERSON" or name[0].lower_ in first_name_genders()
            ):
                found = ((name.start_char, name.end_char), name[-1].i)
        if found:
            a.source, a.source_head = found
        a.evidence.append("cue by according-to")

    def according_to_end(self, to: Token) -> int:
        end = to.i + 1
        while end < len(self.doc) and end < to.i + 25 and not self.doc[end].is_punct and "\n" not in self.doc[end].text:
            end += 1
        return end

    def attribution_phrase(self, token: Token) -> Token | None:
        """The last token of an 'according to' cue starting at ``token``: 'according to X', and at the head of a
        sentence or clause 'per X' and 'by reports' ('Per the decree, ...', 'By reports on Saturday, ...')."""
        nxt = self.doc[token.i + 1] if token.i + 1 < len(self.doc) else None
        if nxt is None:
            return None
        if token.lower_ == "according" and nxt.lower_ == "to":
            return nxt
        prev = self.doc[token.i - 1] if token.i > token.sent.start else None
        opens = prev is None or prev.text in (",", ";", "(", "\u2014", "\u2013")
        if token.lower_ == "per" and opens and nxt.pos_ in ("DET", "PROPN", "NOUN", "ADJ") and not nxt.like_num:
            return token
        if token.lower_ == "by" and prev is None and nxt.lower_ in ("reports", "some", "most", "all") and (
            nxt.lower_ == "reports" or (token.i + 2 < len(self.doc) and self.doc[token.i + 2].lower_ in ("reports", "accounts"))
        ):
            return nxt if nxt.lower_ == "reports" else self.doc[token.i + 2]
        return None

    def dash_after(self, qi: int, a: Attribution, q_end: int) -> bool:
        """'"...," - Commissioner X' at the end of a paragraph: the name after the dash is the speaker."""
        if q_end >= len(self.doc) or self.doc[q_end].text not in ("-", "\u2013", "\u2014", "--"):
            return False
        end = q_end + 1
        while end < len(self.doc) and "\n" not in self.doc[end].text and self.doc[end].text not in (".", ";"):
            end += 1
        found = self.mention_between(q_end + 1, end)
        if found is None:
            return False
        a.cue = (self.doc[q_end].idx, self.doc[q_end].idx + len(self.doc[q_end]))
        a.source, a.source_head = found
        a.rule, a.confidence = "dash", PATTERN_PRIOR["dash"]
        a.evidence.append("cue by dash after the quote")
        return True

    def link_first_parts(self, direct: list[Attribution]) -> None:
        """A quote running over paragraphs whose cue comes only in a later part: the earlier parts take it."""
        for qi in range(len(direct) - 1, -1, -1):
            a = direct[qi]
            if a.continues is None or a.cue is None:
                continue
            first = direct[a.continues]
            if first.cue is None and first.inherit_from is None:
                first.inherit_from, first.rule = qi, "continuation"
                first.confidence = PATTERN_PRIOR["continuation"]
                first.evidence.append("runs on into a later paragraph that names its speaker")

    def link_split_quotes(self, direct: list[Attribution]) -> None:
        """'"Overall," he continued, "the presence of water ..."': one utterance interrupted by its attribution.
        The second part continues the first."""
        for qi in range(1, len(direct)):
            a, prev = direct[qi], direct[qi - 1]
            if a.parent is not None or prev.parent is not None or a.continues is not None or prev.cue is None:
                continue
            if prev.quote is None or a.quote is None or not prev.quote.closed:
                continue
            gap = (prev.quote.outer_end, a.quote.outer_start)
            if not (gap[0] <= prev.cue[0] and prev.cue[1] <= gap[1]) or "\n" in self.text[gap[0] : gap[1]]:
                continue
            if self.text[prev.start : prev.end].rstrip()[-1:] in (".", "!", "?"):
                continue  # the first part ended its sentence: the second is a new one
            if self.text[gap[0] : gap[1]].rstrip()[-1:] not in (",", ":", "\u2014", "-"):
                continue
            a.continues = qi - 1
            if a.cue is None or a.cue == prev.cue:
                a.cue, a.source, a.source_head = prev.cue, prev.source, prev.source_head
                a.inherit_from, a.rule, a.confidence = qi - 1, "continuation", PATTERN_PRIOR["continuation"]
                a.evidence.append("second part of a quote interrupted by its attribution")

    def link_direct_by_context(self, direct: list[Attribution]) -> None:
        """Quotes with no cue of their own: a colon paragraph, a sibling, a continuation, a floating quote."""
        self.link_split_quotes(direct)
        self.link_first_parts(direct)
        for qi, a in enumerate(direct):
            if a.cue is not None or a.parent is not None:
                continue
            if a.continues is not None:
                first = direct[a.continues]
                if first.cue is None and first.inherit_from is None:
                    continue  # the cue comes in this part: the first part takes its speaker (below)
                a.inherit_from, a.rule = a.continues, "continuation"
                a.confidence = PATTERN_PRIOR["continuation"]
                a.evidence.append("continues the quote of the previous paragraph")
                continue
            if self.colon_paragraph(a):
                continue
            if self.looks_like_a_name(a):
                continue  # "restricted to 'Stefan W'", 'ABC's "A Tribute For a King"': a name or title, nobody's words
            sibling = self.sibling_in_paragraph(qi, direct)
            if sibling is not None:
                a.inherit_from, a.rule = sibling, "same-paragraph"
                a.confidence = PATTERN_PRIOR["same-paragraph"]
                a.evidence.append("same paragraph as an attributed quote")
                continue
            floating = self.floating_source(qi, direct)
            if floating is not None:
                a.inherit_from, a.rule = floating, "floating"
                a.confidence = PATTERN_PRIOR["floating"]
                a.evidence.append("quote paragraph following an attributed quote")
                continue
            self.previous_sentence_subject(qi, a)

    def looks_like_a_name(self, a: Attribution) -> bool:
        """A short quote in Title Case with no sentence punctuation and no verb of its own."""
        words = self.text[a.start : a.end].split()
        if not words or len(words) > 6 or self.text[a.end - 1 : a.end] in (".", "!", "?"):
            return False
        alpha = [w for w in words if w[:1].isalpha()]
        if not alpha or sum(w[0].isupper() for w in alpha) / len(alpha) < 0.75:
            return False
        span = self.doc.char_span(a.start, a.end, alignment_mode="expand")
        return span is not None and not any(t.tag_ in ("VBD", "VBZ", "VBP", "MD") for t in span)

    def colon_paragraph(self, a: Attribution) -> bool:
        """A quote paragraph introduced by a previous paragraph that ends in a colon ('Caddell continued:')."""
        p_start, _ = self.paragraph_of(a.start)
        if a.quote is None or self.text[p_start : a.quote.open_mark].strip():
            return False
        prev = _previous_paragraph(self.paragraphs, p_start)
        if prev is None or not self.text[prev[0] : prev[1]].rstrip().endswith(":"):
            return False
        span = self.doc.char_span(prev[0], prev[1], alignment_mode="contract")
        if span is None:
            return False
        for tok in reversed(span):
            if self.is_cue(tok):
                self.link(a, tok, "colon-paragraph")
                return True
        # 'From Chairwoman X:' has no verb: the colon is the cue, the phrase before it the speaker
        found = self.mention_between(span.start, span.end)
        if found is not None and len(span) <= 8:
            colon = self.text.rstrip().rfind(":", prev[0], prev[1] + 1)
            a.cue = (colon, colon + 1)
            a.source, a.source_head = found
            a.rule, a.confidence = "colon-paragraph", PATTERN_PRIOR["colon-paragraph"]
            a.evidence.append("introduced by the previous paragraph's colon")
            return True
        return False

    def embedded_fragment(self, qi: int) -> bool:
        """A short quote inside a sentence of narration with no cue ('following the 2013 "Bridgegate scandal" in
        Fort Lee'): a label or scare quote, not a continuation of someone's words."""
        q = self.quotes[qi]
        words = self.text[q.start : q.end].split()
        if len(words) > 5 or self.text[q.end - 1 : q.end] in (".", "!", "?"):
            return False
        q_start, q_end = self.quote_tokens[qi]
        if q_end <= q_start:
            return False
        sent = self.doc[q_start].sent
        before = [t for t in self.doc[sent.start : q_start] if not (t.is_punct or t.is_space)]
        after = [t for t in self.doc[q_end : sent.end] if not (t.is_punct or t.is_space)]
        return len(before) >= 2 and len(after) >= 1

    def sibling_in_paragraph(self, qi: int, direct: list[Attribution]) -> int | None:
        if self.embedded_fragment(qi):
            return None
        para = self.paragraph_of(self.quotes[qi].start)
        candidates = [
            j
            for j in self.quotes_in_paragraph(para, direct)
            if j != qi and direct[j].cue is not None and direct[j].source is not None
        ]
        before = [j for j in candidates if j < qi]
        after = [j for j in candidates if j > qi]
        if before:
            return before[-1]
        return after[0] if after else None

    def floating_source(self, qi: int, direct: list[Attribution]) -> int | None:
        """The quote opens its paragraph and the previous paragraph's last quote is attributed."""
        q = self.quotes[qi]
        p_start, _ = self.paragraph_of(q.start)
        if self.text[p_start : q.open_mark].strip():
            return None
        prev = _previous_paragraph(self.paragraphs, p_start)
        if prev is None:
            return None
        in_prev = self.quotes_in_paragraph(prev, direct)
        if not in_prev:
            return None
        last = in_prev[-1]
        if direct[last].source is None and direct[last].inherit_from is None:
            return None
        # the previous paragraph must end with that quote's attribution, not with new narrative
        tail = self.text[direct[last].end : prev[1]]
        if len(tail.split()) > 12:
            return None
        return last

    def previous_sentence_subject(self, qi: int, a: Attribution) -> None:
        """A quote sentence right after a sentence whose subject is a person: low-confidence attribution."""
        q_start, _ = self.quote_tokens[qi]
        if q_start == 0:
            return
        sent = self.doc[q_start].sent
        if sent.start != q_start and self.doc[sent.start : q_start].text.strip(" \n\"'\u201c\u2018"):
            return
        prev_tok = sent.start - 1
        while prev_tok >= 0 and self.doc[prev_tok].is_space:
            prev_tok -= 1
        if prev_tok < 0:
            return
        prev_sent = self.doc[prev_tok].sent
        if self.text.count("\n", prev_sent.end_char, a.start) > 1:
            return
        root = prev_sent.root
        subject = next((c for c in root.children if c.dep_ in ("nsubj",)), None)
        if subject is None or self.in_quote[subject.i] is not None:
            return
        if not (subject.ent_type_ == "PERSON" or subject.lower_ in PERSONAL_PRONOUNS):
            return
        a.source = self.mention_bounds(subject)
        a.source_head = subject.i
        a.rule, a.confidence = "previous-sentence", PATTERN_PRIOR["previous-sentence"]
        a.evidence.append("subject of the previous sentence")

    # --- indirect speech ----------------------------------------------------------------------------------

    def speaker_colon_attributions(self) -> list[Attribution]:
        """'Graham: Trump's rhetoric destroying GOP's chance' and transcript lines 'SANDERS: We will ...': a short
        name before a colon at the start of a paragraph is the speaker of the rest of it."""
        found = []
        for p_start, p_end in self.paragraphs:
            colon = self.text.find(":", p_start, min(p_end, p_start + 70))
            if colon < 0:
                continue
            prefix = self.doc.char_span(p_start, colon, alignment_mode="contract")
            rest = strip_span(self.text, colon + 1, p_end)
            if prefix is None or not 1 <= len(prefix) <= 6 or len(self.text[rest[0] : rest[1]].split()) < 3:
                continue
            if prefix.text.strip().lower() in _COLON_LABELS or any(t.pos_ in ("VERB", "AUX") for t in prefix):
                continue
            if prefix.text.lstrip()[:1] in "([{":
                continue  # '((WN)):' marks an interviewer's question: the outlet's own voice
            if any(self.in_quote[t.i] is not None for t in prefix) or not any(t.pos_ == "PROPN" for t in prefix):
                continue
            if prefix.ents and all(e.label_ in ("GPE", "LOC", "DATE", "TIME", "CARDINAL") for e in prefix.ents):
                continue  # 'LONDON:' is a dateline
            a = Attribution(start=rest[0], end=rest[1], kind="indirect", cue=(colon, colon + 1))
            a.source = (prefix.start_char, prefix.end_char)
            a.source_head = _head_in([t for t in prefix]).i
            a.rule, a.confidence = "speaker-colon", PATTERN_PRIOR["speaker-colon"]
            a.evidence.append("'Speaker: words' at the start of a paragraph")
            found.append(a)
        return found

    def indirect_attributions(self) -> list[Attribution]:
        found: list[Attribution] = self.speaker_colon_attributions()
        for token in self.doc:
            if self.in_quote[token.i] is not None:
                continue
            last = self.attribution_phrase(token)
            if last is not None:
                a = self.according_to_clause(token, last)
                if a is not None:
                    found.append(a)
                continue
            directive = (self.directive(token) or self.small_clause(token) or self.nominal_cue(token)
                         or self.passive_report(token))
            if directive is not None:
                found.append(directive)
                continue
            aside = self.parenthetical(token) or self.inverted_final_cue(token)
            if aside is not None:
                found.append(aside)
                continue
            if not self.is_cue(token, direct=False):
                continue
            lemma = token.lemma_.lower()
            if lemma in WEAK_VERBS and token.dep_ == "xcomp":
                continue  # 'the court sought to determine whether ...' is what it set out to do, not a ruling
            right_clause = any(c.dep_ == "ccomp" and c.i > token.i for c in token.children)
            for child in token.children:
                # an 'advcl' may be a misparsed complement ('she said as a teenager she was forced ...')
                if child.dep_ != "ccomp" and not (
                    child.dep_ == "advcl" and self.misparsed_complement(token, child, right_clause)
                ):
                    continue
                if child.dep_ == "ccomp" and child.tag_ == "VBG" and child.i > token.i and not any(
                    c.dep_ in ("nsubj", "nsubjpass") for c in child.children
                ):
                    continue  # '..., citing the disruption caused ...': what the speaker did, not a reported clause
                if child.i < token.i and right_clause and not self.clause_right_before_subject(child, token):
                    continue  # a clause on each side: the one after the verb is what was said
                if lemma in WEAK_VERBS and not any(c.dep_ == "mark" for c in child.children):
                    subject = self.subject_of(token)
                    if subject is None or subject.lemma_.lower() not in RULING_BODIES:
                        continue  # 'the court ruled the prorogation was unlawful' needs no 'that'; 'found X' does
                content = self.clause_bounds(child, token)
                if content is None:
                    continue
                a = Attribution(start=content[0], end=content[1], kind="indirect")
                self.link(a, token, "indirect")
                if a.source is None or (lemma in EVIDENTIAL_VERBS and self.inanimate(a.source_head)):
                    continue  # 'the study found that ...' is evidence, not anyone's words
                found.append(a)
        # a parenthetical cue's content holds the clause's own verb: no other report is made of that verb
        asides = [a for a in found if a.rule == "indirect" and "parenthetical" in " ".join(a.evidence)]
        if asides:
            found = [a for a in found if a in asides or not any(
                a.cue is not None and p.start <= a.cue[0] < p.end for p in asides)]
        return found

    def clause_right_before_subject(self, clause: Token, verb: Token) -> bool:
        """'<clause>, the court found ...': the clause ends at the comma right before the verb's subject."""
        subject = next((c for c in verb.children if c.dep_ == "nsubj" and c.i < verb.i), None)
        if subject is None:
            return False
        comma = subject.left_edge.i - 1
        return comma > clause.i and self.doc[comma].text == "," and clause.right_edge.i <= comma

    def parenthetical(self, verb: Token) -> Attribution | None:
        """'These orcas, she suggested, specialize in hunting sharks', 'Coverage, officials said, had risen' and
        'Al Jazeera reported on Thursday, coverage had risen to 55 percent': a reporting clause set off by commas
        inside or before the clause it reports, which the parse hangs under that clause's verb."""
        if not self.is_cue(verb, direct=False) or verb.dep_ not in ("parataxis", "ccomp", "advcl"):
            return None
        head = verb.head
        if head.dep_ in ("aux", "auxpass") and head.head.i > head.i:
            head = head.head  # 'The man, police said, was armed': the parse hangs the aside on 'was'
        if head.i <= verb.i or head.pos_ not in ("VERB", "AUX") or self.in_quote[head.i] is not None:
            return None
        if any(c.dep_ in ("ccomp", "xcomp", "dobj", "mark") and not (
            c.dep_ == "ccomp" and c.i < verb.i and any(t.text == ";" for t in self.doc[c.i : verb.i])
        ) for c in verb.children):
            return None  # 'Even though Waseem confessed to acting alone, ...' subordinates, it does not report
        subject = next((c for c in verb.children if c.dep_ == "nsubj" and c.i < verb.i), None)
        if subject is None or self.in_quote[subject.i] is not None:
            return None
        # the aside itself: its subject, the verb and what follows the verb up to the comma ('officials said',
        # 'X reported on Monday'); the parse may hang other words on the aside's punctuation
        first, last = subject.left_edge.i, verb.i
        own = {t.i for t in verb.subtree}
        while last + 1 < len(self.doc) and last + 1 in own and not self.doc[last + 1].is_punct:
            last += 1
        if last + 1 >= len(self.doc) or self.doc[last + 1].text != ",":
            return None
        sent = verb.sent
        lo = sent.start
        if first > sent.start:
            if self.doc[first - 1].text != ",":
                return None
            k = first - 2  # the clause's words before the aside, back to a boundary or a relative word
            while k >= sent.start and self.doc[k].text not in (",", ";", ":") and self.doc[k].tag_ not in ("WP", "WP$", "WDT"):
                k -= 1
            lo = k + 1
            if lo >= first - 1:
                return None
        else:
            lo = last + 2  # 'X reported on Thursday, <clause>': the clause after the comma
        hi = max(head.right_edge.i, head.i)
        if head.dep_ == "ROOT":  # the small model leaves some of a root's words hanging: run to the sentence end
            hi = sent.end - 1
            stop = next((t.i for t in self.doc[last + 1 : sent.end] if t.text == ";"), None)
            hi = stop - 1 if stop is not None else hi
        while hi > lo and (self.doc[hi].is_punct and self.doc[hi].text not in QUOTE_MARK_CHARS or self.doc[hi].is_space):
            hi -= 1
        while lo < hi and self.doc[lo].is_space:
            lo += 1
        span = self.doc[lo : hi + 1]
        if hi - lo < 2 or "\n" in span.text or not any(t.pos_ in ("VERB", "AUX") for t in span if t.i > last):
            return None
        a = Attribution(start=span.start_char, end=span.end_char, kind="indirect")
        self.link(a, verb, "indirect")
        a.evidence.append("a parenthetical reporting clause")
        return a if a.source is not None else None

    def inverted_final_cue(self, verb: Token) -> Attribution | None:
        """'It is not for the Court to opine, argued the government's lawyer, Richard Keen.': a clause, a comma,
        then the reporting verb and its speaker to the sentence's end."""
        if not self.is_cue(verb, direct=False) or verb.i == 0 or self.doc[verb.i - 1].text != ",":
            return None
        if any(c.dep_ in ("nsubj", "ccomp", "xcomp") for c in verb.children):
            return None
        sent = verb.sent
        end = verb.i + 1
        while end < sent.end and not (self.doc[end].text in (".", "!", "?", ";") or "\n" in self.doc[end].text):
            end += 1
        tail = [t for t in self.doc[verb.i + 1 : end] if not t.is_punct]
        if not tail or len(tail) > 14 or any(t.pos_ in ("VERB", "AUX") for t in tail):
            return None
        if any(self.in_quote[t.i] is not None for t in self.doc[sent.start : end]):
            return None  # quotes have their own patterns
        lo, hi = sent.start, verb.i - 2
        while lo < hi and (self.doc[lo].is_space or self.doc[lo].is_punct):
            lo += 1
        span = self.doc[lo : hi + 1]
        if len(span) < 3 or "\n" in span.text or not any(t.pos_ in ("VERB", "AUX") for t in span):
            return None
        found = self.name_closing_clause(verb) or self.mention_between(verb.i + 1, end)
        if found is None:
            return None
        a = Attribution(start=span.start_char, end=span.end_char, kind="indirect")
        a.rule, a.confidence = "indirect", PATTERN_PRIOR["indirect"]
        a.cue = self.cue_span(verb)
        a.source, a.source_head = found
        a.evidence.append(f"cue '{verb.text}': a reporting verb and its speaker after the clause")
        return a

    def nominal_cue(self, verb: Token) -> Attribution | None:
        """'The government's counter-argument was that ...', 'Her message was that ...': a speech noun whose
        owner is the source, with 'be' and a that-clause."""
        if verb.lemma_ != "be" or self.in_quote[verb.i] is not None:
            return None
        clause = next((c for c in verb.children if c.dep_ in ("ccomp", "attr") and c.i > verb.i and any(
            g.dep_ == "mark" and g.lower_ == "that" for g in c.children)), None)
        nouns = [c for c in verb.children if c.dep_ == "nsubj" and c.i < verb.i and c.pos_ in ("NOUN", "PROPN", "X")]
        if clause is None or not any(n.lemma_.lower() in SPEECH_NOUNS for n in nouns):
            return None
        owner = next((g for n in nouns for g in n.children if g.dep_ == "poss"), None)
        if owner is None:
            return None  # 'Her message was that ...' keeps its possessive pronoun as the mention; no owner, no source
        cue_toks = [t for t in self.doc[owner.right_edge.i + 1 : verb.i] if t.dep_ != "case" and t.lower_ not in ("'s", "’s")]
        if not cue_toks:
            return None
        content = self.clause_bounds(clause, verb)
        if content is None:
            return None
        a = Attribution(start=content[0], end=content[1], kind="indirect")
        a.rule, a.confidence = "indirect", PATTERN_PRIOR["indirect"]
        a.cue = (cue_toks[0].idx, cue_toks[-1].idx + len(cue_toks[-1]))
        a.source = (self.doc[owner.left_edge.i].idx, owner.idx + len(owner))
        a.source_head = owner.i
        a.evidence.append(f"cue '{self.text[a.cue[0]:a.cue[1]]}': a speech noun with 'be' and a that-clause")
        return a

    def passive_report(self, verb: Token) -> Attribution | None:
        """'It was reported Baker was hospitalized': passive reporting with no source; the speaker is unknown."""
        if not self.is_cue(verb, direct=False) or verb.lemma_.lower() in WEAK_VERBS:
            return None
        subject = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
        if subject is None or subject.lower_ != "it" or self.passive_agent(verb) is not None:
            return None
        clause = next((c for c in verb.children if c.dep_ == "ccomp" and c.i > verb.i), None)
        if clause is None:
            return None
        content = self.clause_bounds(clause, verb)
        if content is None:
            return None
        a = Attribution(start=content[0], end=content[1], kind="indirect")
        a.rule, a.confidence = "indirect", PATTERN_PRIOR["none"]
        a.cue = self.cue_span(verb)
        a.evidence.append(f"cue '{self.text[a.cue[0]:a.cue[1]]}': passive reporting, no source given")
        return a

    def misparsed_complement(self, verb: Token, clause: Token, has_ccomp: bool) -> bool:
        """An 'advcl' right after a speech verb with no complement of its own, with its own subject and no
        subordinating conjunction: the small model's reading of 'said as a teenager she was forced ...'."""
        if has_ccomp or verb.lemma_.lower() in WEAK_VERBS or clause.left_edge.i != verb.i + 1:
            return False
        if any(c.dep_ == "mark" for c in clause.children) or clause.tag_ in ("VBG", "VB"):
            return False
        return any(c.dep_ in ("nsubj", "nsubjpass") and c.i < clause.i for c in clause.children)

    def hypothetical_question(self, verb: Token) -> bool:
        """'Which individuals would you ask to be in your cabinet?': a question about a directive, not one given."""
        sent = verb.sent
        return sent.text.rstrip().rstrip('"\u201d\'').endswith("?") and any(
            c.dep_ == "aux" and c.lower_ in ("would", "could", "should", "might", "will", "can", "do", "did")
            for c in verb.children)

    def directive(self, verb: Token) -> Attribution | None:
        """'Minnis urged residents to evacuate', 'They called on Turkey to halt ...': a reported directive; the
        content is the infinitive. Also bare subjunctives ('ordered the accused remain in custody', 'asked
        citizens not approach the embassy'), a request with no addressee ('wrote to the embassy asking to waive
        the immunity') and passive directives ('Residents were told to stay indoors': no agent, speaker unknown)."""
        lemma = verb.lemma_.lower()
        if lemma not in DIRECTIVE_VERBS or verb.pos_ != "VERB" or self.hypothetical_question(verb):
            return None
        children = list(verb.children)
        passive = any(c.dep_ == "nsubjpass" for c in children) and any(c.dep_ == "auxpass" for c in children)
        addressed = any(c.dep_ in ("dobj", "dative") for c in children) or (
            lemma in ("call", "appeal") and any(c.dep_ == "prep" and c.lower_ in ("on", "upon", "to") for c in children)
        )
        xcomp = next((c for c in children if c.dep_ == "xcomp" and c.i > verb.i), None)
        if xcomp is None:
            return self.bare_directive(verb)
        to = next((c for c in xcomp.children if c.dep_ == "aux" and c.lower_ == "to"), None)
        if to is None:
            return self.bare_directive(verb)
        if not (addressed or passive or lemma in REQUEST_VERBS):
            return None
        first = to
        end = xcomp.right_edge.i
        # a finite verb coordinated into the infinitive belongs to the reporting clause ('urged the embassy to
        # reconsider and spoke with ...')
        for t in xcomp.subtree:
            if t.dep_ == "conj" and t.head.i == xcomp.i and t.tag_ in ("VBD", "VBZ", "VBP"):
                end = min(end, t.left_edge.i - 1)
        while end > first.i and (self.doc[end].is_punct or self.doc[end].is_space or self.doc[end].dep_ == "cc"):
            end -= 1
        span = self.doc[first.i : end + 1]
        if "\n" in span.text:
            return None
        a = Attribution(start=span.start_char, end=span.end_char, kind="indirect")
        self.link(a, verb, "indirect")
        if a.source is None and not (passive and self.passive_agent(verb) is None):
            return None
        if a.source is None:
            a.evidence.append("a passive directive: the text does not say who gave it")
        return a

    def bare_directive(self, verb: Token) -> Attribution | None:
        """'ordered the accused remain in custody', 'asked citizens not approach the embassy', 'urged the
        immunity be waived': a directive verb with a bare (subjunctive) verb after it and no 'to' or 'that'."""
        for child in verb.children:
            if child.i < verb.i or child.dep_ not in ("xcomp", "ccomp") or child.pos_ not in ("VERB", "AUX"):
                continue
            if child.tag_ not in ("VB", "VBP") or any(c.dep_ in ("mark", "aux") and c.lower_ in ("that", "to")
                                                      for c in child.children):
                return None
            if any(c.dep_ == "aux" for c in child.children) and child.tag_ != "VB":
                return None
            subject = next((c for c in child.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            obj = next((c for c in verb.children if c.dep_ == "dobj" and c.i < child.i), None)
            if subject is None and obj is None:
                return None  # 'they asked leave' is no sentence: a misparse
            lo = subject.left_edge.i if subject is not None else child.left_edge.i
            if subject is None and obj is not None and lo <= obj.right_edge.i:
                lo = obj.right_edge.i + 1
            hi = child.right_edge.i
            while hi > lo and (self.doc[hi].is_punct or self.doc[hi].is_space):
                hi -= 1
            span = self.doc[lo : hi + 1]
            if len(span) < 2 or "\n" in span.text or any(self.in_quote[t.i] is not None for t in span):
                return None
            a = Attribution(start=span.start_char, end=span.end_char, kind="indirect")
            self.link(a, verb, "indirect")
            return a if a.source is not None else None
        return None

    def small_clause(self, verb: Token) -> Attribution | None:
        """'declared the outbreak a public health emergency', 'called its actions defensive', 'the court ruled the
        law unlawful', 'in his statement he found the strike justified': a declaration or ruling whose content is
        a small clause (an object and what is said of it). 'found' and 'ruled' need a court or a statement:
        'police found the man dead' is no one's words."""
        lemma = verb.lemma_.lower()
        if lemma not in SMALL_CLAUSE_VERBS or verb.pos_ != "VERB" or verb.dep_ in ("acl", "amod", "relcl"):
            return None
        if any(c.dep_ in ("prt", "prep", "agent") and c.i == verb.i + 1 for c in verb.children):
            return None  # 'called for', 'called on', 'ruled out'
        subject = self.subject_of(verb)
        if subject is None:
            return None
        if lemma in ("find", "rule"):
            sentence = self.doc[verb.sent.start : verb.i]
            ruling = subject.lemma_.lower() in RULING_BODIES or subject.lemma_.lower() in DOCUMENT_NOUNS or any(
                t.lemma_.lower() in DOCUMENT_NOUNS for t in sentence if t.dep_ == "pobj"
            )
            if not ruling and not (lemma == "rule" and self.headline):
                return None
        rights = [c for c in verb.children if c.i > verb.i and not c.is_punct]
        obj: Token | None = None
        pred: Token | None = None
        for c in rights:
            if c.dep_ == "ccomp" and (c.pos_ in ("VERB", "ADJ") and c.tag_ in ("VBN", "VBD", "JJ")
                                      or c.pos_ == "NOUN" and any(g.dep_ == "det" for g in c.children)):
                subj = next((g for g in c.children if g.dep_ in ("nsubj", "nsubjpass") and g.i < c.i), None)
                if subj is not None and not any(g.dep_ in ("aux", "auxpass", "mark") for g in c.children):
                    obj, pred = subj, c
                    break
            if c.dep_ in ("dobj", "npadvmod", "nsubj", "oprd") and c.pos_ in ("NOUN", "PROPN", "PRON") and obj is None:
                obj = c
                inner = next((g for g in c.children if g.i > c.i and g.dep_ in ("acl", "amod", "oprd")
                              and g.pos_ in ("ADJ", "VERB") and g.tag_ in ("JJ", "VBN")), None)
                if inner is not None:
                    pred = inner
                    break
                continue
            if obj is not None and (c.dep_ in ("oprd", "npadvmod", "attr", "acomp", "xcomp", "dobj")
                                    or (c.dep_ == "advmod" and c.pos_ == "ADJ")):
                pred = c  # 'ruled the curfew unconstitutional' (the model files the adjective as an adverb)
                break
        if obj is None or pred is None or pred.pos_ == "PROPN" or obj.lower_ in ("that", "which", "who"):
            return None
        if pred.pos_ in ("NOUN", "X", "NUM") and not any(c.dep_ in ("det", "poss") for c in pred.children):
            return None  # 'call this SOCIETY 1.0' names; 'called the decision a disgrace' says something of it
        if (pred.ent_type_ in ("DATE", "TIME") and len(list(pred.subtree)) == 1) or (pred.dep_ != "ccomp" and pred.left_edge.i != obj.right_edge.i + 1
                                                   and pred.head.i != obj.i):
            return None  # object and predicate stand side by side: 'declared a state of emergency ... yesterday' is not
        lo = min(obj.left_edge.i, pred.left_edge.i)
        hi = max(pred.i, obj.i)
        for t in pred.subtree:  # the predicate's own words, not a verb coordinated to it ('... and called ...')
            if t.i > pred.i and not (t.dep_ == "conj" and t.head.i == pred.i and t.pos_ in ("VERB", "AUX")):
                if t.dep_ == "cc" and any(c.dep_ == "conj" and c.pos_ in ("VERB", "AUX") for c in pred.children):
                    continue
                hi = max(hi, t.i)
            elif t.i > pred.i:
                break
        while hi > lo and (self.doc[hi].is_punct or self.doc[hi].is_space):
            hi -= 1
        span = self.doc[lo : hi + 1]
        if len(span) < 2 or "\n" in span.text or any(self.in_quote[t.i] is not None for t in span):
            return None  # quoted words after 'called' are a direct fragment
        a = Attribution(start=span.start_char, end=span.end_char, kind="indirect")
        self.link(a, verb, "indirect")
        a.evidence.append("a small clause: what the declaration or ruling says of its object")
        return a if a.source is not None else None

    def inanimate(self, head: int | None) -> bool:
        return head is not None and self.doc[head].lemma_.lower() in NON_AGENT_NOUNS

    def clause_bounds(self, clause: Token, verb: Token) -> tuple[int, int] | None:
        toks = [t for t in clause.subtree if t.i != verb.i]
        # a complement stays on its side of the verb
        toks = [t for t in toks if (t.i > verb.i) == (clause.i > verb.i)]
        # '..., saying "..."' or ', calling it "..."' inside the clause reports something else: cut before it
        for t in toks:
            if t.i > clause.i and t.dep_ in ("advcl", "conj") and t.tag_ == "VBG" and self.is_cue(t):
                toks = [u for u in toks if u.i < t.left_edge.i]
                break
            # '... while Brudziński wrote he had ordered checks': an adverbial clause with its own speaker and
            # reporting verb is another attribution, not more of this content
            if t.i > clause.i and t.dep_ == "advcl" and self.is_cue(t, direct=False) and any(
                c.dep_ == "nsubj" and self.in_quote[c.i] is None for c in t.children
            ) and any(c.dep_ == "mark" for c in t.children):
                toks = [u for u in toks if u.i < t.left_edge.i]
                break
            # '... did not qualify, reversing the convictions': a participle after a comma at the end of the
            # clause tells what the speaker did, not what was said
            if t.i > clause.i and t.head.i == clause.i and t.dep_ in ("advcl", "conj", "xcomp") and t.tag_ == "VBG" \
                    and t.left_edge.i == t.i and t.i > 0 and self.doc[t.i - 1].text == "," \
                    and t.right_edge.i >= toks[-1].i - 1 and self.in_quote[t.i] is None:
                toks = [u for u in toks if u.i < t.i - 1]
                break
        if len(toks) < 3:
            return None
        if clause.i < verb.i and any(t.text == ";" for t in self.doc[toks[-1].i : verb.i]):
            return None  # '...; Business Insider reported that ...': the clause before the semicolon is the writer's
        lo, hi = toks[0].i, toks[-1].i
        while hi > lo and (self.doc[hi].is_punct and self.doc[hi].text not in QUOTE_MARK_CHARS or self.doc[hi].is_space):
            hi -= 1
        while lo < hi and (self.doc[lo].is_punct and self.doc[lo].text not in QUOTE_MARK_CHARS or self.doc[lo].is_space):
            lo += 1
        if "\n" in self.doc[lo : hi + 1].text:
            return None
        if not any(t.pos_ in ("VERB", "AUX") for t in self.doc[lo : hi + 1]):
            return None
        return self.doc[lo].idx, self.doc[hi].idx + len(self.doc[hi])

    def according_to_clause(self, according: Token, to: Token | None = None) -> Attribution | None:
        """'..., according to X.' or 'According to X, ...': the rest of the sentence is the content."""
        sent = according.sent
        to = to if to is not None else self.doc[according.i + 1]
        pp_end = self.according_to_end(to) if to.lower_ in ("to", "per") else to.i + 1
        verb = according.head
        if verb.pos_ in ("VERB", "AUX") and verb.i > according.i and verb.sent == sent:
            # 'According to X, director of Y, the tusk came from ...': the clause the phrase attaches to
            inner = {t.i for t in according.subtree}
            toks = [t for t in verb.subtree if t.i not in inner and t.i > according.i]
            if toks:
                pp_end = max(pp_end, min(t.i for t in toks))
        before = [t for t in self.doc[sent.start : according.i] if not t.is_space]
        after = [t for t in self.doc[pp_end : sent.end] if not t.is_space]
        if (before and before[-1].text == "," and pp_end < len(self.doc) and self.doc[pp_end].text == ","
                and after and not any(t.pos_ in ("VERB", "AUX") for t in after)):
            return None  # 'killed 62, including, according to reports, 54 children': inside a noun phrase
        if to.lower_ != "to" and len(after) >= 3:
            side = after  # 'Per X, ...' and 'By reports, ...' open the clause they attribute
        else:
            side = before if len(before) >= len(after) else after
        side = [t for t in side if not (t.is_punct and t.text not in QUOTE_MARK_CHARS)]
        if len(side) < 3 or not any(t.pos_ in ("VERB", "AUX") for t in side):
            return None
        lo, hi = side[0], side[-1]
        a = Attribution(start=lo.idx, end=hi.idx + len(hi), kind="indirect")
        self.according_to(a, according, to)
        a.rule, a.confidence = "indirect-according-to", PATTERN_PRIOR["indirect-according-to"]
        if a.source_head is not None and self.doc[a.source_head].lemma_.lower() in RECORDING_NOUNS:
            head = self.doc[a.source_head]
            other = next((c for c in head.children if c.dep_ == "conj" and c.lemma_.lower() not in RECORDING_NOUNS), None)
            if other is None:
                return None  # 'according to traffic camera footage': evidence, not anyone's words
            a.source, a.source_head = (other.left_edge.idx, other.idx + len(other)), other.i  # 'these videos and NPR'
            a.evidence.append(f"'{head.text}' is a recording: '{other.text}' is the source")
        return a if a.source is not None else None

    # --- putting direct and indirect together -------------------------------------------------------------

    def merge(self, direct: list[Attribution], indirect: list[Attribution]) -> list[Attribution]:
        """One record per utterance: an indirect content that is a direct quote adds nothing; one that holds a
        direct quote among its own words becomes a mixed quote and the direct one is folded into it."""
        indirect = _drop_nested(indirect)
        keep_direct = [True] * len(direct)
        out_indirect: list[Attribution] = []
        outer_starts = [cast(QuoteSpan, d.quote).outer_start for d in direct]
        longest = max((cast(QuoteSpan, d.quote).outer_end - s for d, s in zip(direct, outer_starts)), default=0)
        by_start = sorted(range(len(direct)), key=lambda qi: outer_starts[qi])
        sorted_starts = [outer_starts[qi] for qi in by_start]

        def near(start: int, end: int) -> list[int]:
            """Indices of the direct quotes that may touch start..end: sorted starts keep this linear."""
            lo = bisect_left(sorted_starts, start - longest)
            hi = bisect_right(sorted_starts, end + 1)
            return sorted(by_start[lo:hi])

        for ind in indirect:
            for qi in near(ind.start, ind.end):  # a clause that stops inside a quote it opened runs to its end
                d = direct[qi]
                if d.parent is None and d.quote is not None:
                    if ind.start <= d.quote.outer_start < ind.end < d.quote.outer_end:
                        ind.end = d.quote.outer_end
                    if d.quote.outer_start < ind.start < d.quote.outer_end <= ind.end:
                        ind.start = d.quote.outer_start
            candidates = near(ind.start, ind.end)
            inside = [
                qi for qi in candidates
                if direct[qi].parent is None and ind.start <= outer_starts[qi]
                and cast(QuoteSpan, direct[qi].quote).outer_end <= ind.end + 1
            ]
            crossing = [
                qi for qi in candidates
                if outer_starts[qi] < ind.start < cast(QuoteSpan, direct[qi].quote).outer_end
                or outer_starts[qi] < ind.end < cast(QuoteSpan, direct[qi].quote).end
            ]
            if crossing:
                continue  # the clause sits inside or across a quote: the direct record covers it
            if not inside:
                out_indirect.append(ind)
                continue
            outside_words = self.text[ind.start : ind.end]
            first_q, last_q = direct[inside[0]].quote, direct[inside[-1]].quote
            if first_q is not None and last_q is not None and ind.start >= first_q.outer_start:
                # the clause opens with the quote: what follows its closing mark is the attribution
                # ('"...," chairman Richard Parsons said'), not more content
                outside_words = self.text[ind.start : last_q.outer_end]
                ind.end = last_q.outer_end
            for qi in inside:
                d = direct[qi]
                quote = cast(QuoteSpan, d.quote)
                outside_words = outside_words.replace(self.text[quote.outer_start : quote.outer_end], " ")
            words = [w for w in outside_words.split() if any(ch.isalnum() for ch in w)]
            if len(words) <= 1:  # '"..."' or 'that "..."': the direct quote is the content
                for qi in inside:
                    if direct[qi].cue is None or direct[qi].rule in ("floating", "previous-sentence", "none"):
                        direct[qi].cue, direct[qi].source = ind.cue, ind.source
                        direct[qi].source_head, direct[qi].rule = ind.source_head, "parse"
                        direct[qi].confidence = PATTERN_PRIOR["parse"]
                        direct[qi].inherit_from = None
                continue
            ind.kind = "mixed"
            for qi in inside:  # the content holds the whole quote, closing mark included
                ind.start = min(ind.start, cast(QuoteSpan, direct[qi].quote).outer_start)
                ind.end = max(ind.end, cast(QuoteSpan, direct[qi].quote).outer_end)
            ind.confidence = max(ind.confidence, PATTERN_PRIOR["adjacent-before"])
            ind.evidence.append("holds a direct quote among reported words")
            for qi in inside:
                keep_direct[qi] = False
            out_indirect.append(ind)
        kept = [d for qi, d in enumerate(direct) if keep_direct[qi] and self.worth_keeping(d)]
        # references between direct quotes are by index: remap them to the kept list
        index_of = {id(d): n for n, d in enumerate(kept)}
        for d in kept:
            d.parent = _remap(direct, d.parent, index_of)
            d.continues = _remap(direct, d.continues, index_of)
            d.inherit_from = _remap(direct, d.inherit_from, index_of)
        merged = kept + out_indirect
        merged.sort(key=lambda r: (r.start, -r.end))
        order = {id(r): n for n, r in enumerate(merged)}
        for r in merged:
            for attr in ("parent", "continues", "inherit_from"):
                ref = getattr(r, attr)
                if ref is not None:
                    setattr(r, attr, order[id(kept[ref])])
        return merged

    def worth_keeping(self, d: Attribution) -> bool:
        """Scare quotes and titles ('the so-called "deal"', '"Titanic"') are not quotations."""
        if d.cue is not None or d.inherit_from is not None or d.source is not None:
            return True
        if d.parent is not None:
            return len(self.text[d.start : d.end].split()) >= 2
        words = self.text[d.start : d.end].split()
        if self.headline:
            return len(words) >= 2
        if len(words) < 4 or self.looks_like_a_name(d):
            return False
        # Title Case Without A Verb is a title
        alpha = [w for w in words if w[:1].isalpha()]
        if alpha and sum(w[0].isupper() for w in alpha) / len(alpha) > 0.8 and len(words) < 10:
            return False
        return True


# A word right before the opening mark that makes the quoted words a name or title, always ...
_TITLE_LEAD = re.compile(
    r"(?:\b(?:titled|entitled|named|nicknamed|dubbed|film|movie|book|song|album|show|series|novel|hashtag|campaign|"
    r"charity|programme|program|operation|slogan|motto)(?:\s+(?:the|a|an))?|#)\s*$",
    re.IGNORECASE,
)
# ... or only when the quoted words are in Title Case ('Anna Franowska of "Have No Fear"').
_NAME_LEAD = re.compile(r"\b(?:of|the|from|at|by|for|called|dubbed)\s*$", re.IGNORECASE)


def _headline_verb_lemma(word: str) -> str:
    """'vows' -> 'vow', 'denies' -> 'deny', 'slams' -> 'slam': enough inflection for headline verbs."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("es") and is_reporting_lemma(word[:-2]):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def _drop_names(text: str, quotes: list[QuoteSpan]) -> list[QuoteSpan]:
    """Quote marks around a name or title ('Anna Franowska of "Have no fear"', 'the film "Argo"') are not
    a quotation: drop them before attribution so no cue is pinned on them."""
    drop = set()
    parents = {q.parent for q in quotes if q.parent is not None} | {q.continues for q in quotes}
    for i, q in enumerate(quotes):
        if i in parents or q.parent is not None or not q.closed:
            continue
        words = text[q.start : q.end].split()
        before = text[max(0, q.open_mark - 40) : q.open_mark]
        if len(words) <= 6 and text[q.end - 1 : q.end] == "," and _TITLE_LEAD.search(before):
            drop.add(i)  # 'nicknamed the "Kim Kardashian of Pakistan,"': house style puts the comma inside
            continue
        if len(words) > 6 or text[q.end - 1 : q.end] in (".", "!", "?", ","):
            continue
        alpha = [w for w in words if w[:1].isalpha()]
        title_case = bool(alpha) and sum(w[0].isupper() for w in alpha) / len(alpha) >= 0.6
        if _TITLE_LEAD.search(before) or (title_case and _NAME_LEAD.search(before)):
            drop.add(i)
    if not drop:
        return quotes
    new_index: dict[int, int] = {}
    kept: list[QuoteSpan] = []
    for i, q in enumerate(quotes):
        if i not in drop:
            new_index[i] = len(kept)
            kept.append(q)
    for q in kept:
        q.parent = new_index.get(q.parent) if q.parent is not None else None
        q.continues = new_index.get(q.continues) if q.continues is not None else None
    return kept


# 'PENCE:', 'MR. TRUMP:', 'SEN. SANDERS:' opening a quoted transcript line (capitals only: 'Warning: ...' is words)
_TRANSCRIPT_LABEL = re.compile(r"([A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,2}):\s+(?=\S)")
# Labels that end in a colon without introducing anyone's words.
_COLON_LABELS = frozenset(
    """update note photo photos watch related video source sources via image credit breaking exclusive live
    opinion analysis poll q a question answer warning caption""".split()
) | {"editor's note", "read more", "read more here", "related coverage", "watch the video"}

# all-capital words that open a quoted post or notice, not a transcript line ('"BREAKING: ...," he tweeted')
_LABEL_WORDS = _COLON_LABELS | frozenset("alert urgent just in developing fact check reminder ps nb".split())


def _drop_nested(indirect: list[Attribution]) -> list[Attribution]:
    """Reported speech inside reported speech is part of the outer report: 'Sierak told reporters assessments will
    be carried out to confirm if ...' is one quote, 'Pierluisi said ... the courts should decide who ...' too."""
    if len(indirect) < 2:
        return indirect
    by_start = sorted(indirect, key=lambda a: (a.start, -a.end))
    keep: list[Attribution] = []
    outer_end = -1
    outer: Attribution | None = None
    for a in by_start:
        if outer is not None and a.end <= outer_end and a.cue is not None and outer.start <= a.cue[0] < outer_end:
            continue
        keep.append(a)
        if a.end > outer_end:
            outer, outer_end = a, a.end
    kept = {id(k) for k in keep}
    return [a for a in indirect if id(a) in kept]


def _remap(items: list[Attribution], ref: int | None, index_of: dict[int, int]) -> int | None:
    if ref is None:
        return None
    return index_of.get(id(items[ref]))


def _head_in(tokens: list[Token]) -> Token:
    """The syntactic head among ``tokens``, preferring a name or pronoun."""
    ids = {t.i for t in tokens}
    heads = [t for t in tokens if t.head.i not in ids or t.head.i == t.i]
    for t in heads:
        if t.pos_ in ("PROPN", "PRON"):
            return t
    return heads[0] if heads else tokens[-1]


def _paragraph_bounds(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line.rstrip("\r"))))
        pos += len(line) + 1
    return spans


def _previous_paragraph(paragraphs: list[tuple[int, int]], p_start: int) -> tuple[int, int] | None:
    k = bisect_left(paragraphs, (p_start, -1))  # paragraphs are sorted (start, end) pairs
    return paragraphs[k - 1] if k > 0 else None


def anonymous_head(head: Token) -> bool:
    return head.lower_ in ANONYMOUS_NOUNS


__all__ = ["Attribution", "PATTERN_PRIOR", "Span", "attribute"]
