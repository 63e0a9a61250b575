"""Direct quotes from quote marks: pairing, nesting, apostrophes and quotes that run over paragraphs.

Works on characters, before and independently of the parse, so it never depends on the tagger's view of a
quote mark. Never raises on unbalanced marks: an unmatched opening mark runs to the end of its paragraph, a stray
closing mark is ignored. Runs in linear time: one pass over the marks of each paragraph with a stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quotegraph.record import strip_span

# mark -> (family, role). Families pair with each other; roles: open, close, or either ('amb').
_MARKS: dict[str, tuple[str, str]] = {
    '"': ("double", "amb"),
    "\u201c": ("double", "open"),  # “
    "\u201d": ("double", "close"),  # ”
    "\u201e": ("double", "open"),  # „
    "\u201f": ("double", "open"),  # ‟
    "\u00ab": ("guillemet", "open"),  # «
    "\u00bb": ("guillemet", "close"),  # »
    "'": ("single", "amb"),
    "\u2018": ("single", "open"),  # ‘
    "\u2019": ("single", "close"),  # ’ (also the typographic apostrophe)
    "\u201a": ("single", "open"),  # ‚
    "\u2039": ("single_guillemet", "open"),  # ‹
    "\u203a": ("single_guillemet", "close"),  # ›
}
QUOTE_MARK_CHARS = frozenset(_MARKS)
DOUBLE_MARK_CHARS = frozenset(c for c, (fam, _) in _MARKS.items() if fam in ("double", "guillemet"))
# Two apostrophes or two backticks stand for a double mark in older archives and PTB-style text (''new low.'').
_MARKS_2 = {"''": ("double", "amb"), "``": ("double", "open")}
_MARK_RE = re.compile("''|``|[" + re.escape("".join(_MARKS)) + "]")

_OPENING_CONTEXT = set("([{/\u2014\u2013-:") | QUOTE_MARK_CHARS
_CLOSING_CONTEXT = set(".,;:!?)]}/\u2014\u2013-\u2026") | QUOTE_MARK_CHARS
# Words whose leading apostrophe marks an elision, not a quote: 'n' roll, 'em, '90s, 'til.
_ELISIONS = re.compile(r"(?:n|em|til|tis|twas|cause|bout|round|s|re|ve|ll|d|m)\b|\d\d?s?\b", re.IGNORECASE)


@dataclass
class QuoteSpan:
    """A direct quote: ``start:end`` is the content between the marks (or to the paragraph's end, if unclosed)."""

    start: int
    end: int
    open_mark: int
    close_mark: int | None
    family: str
    parent: int | None = None
    continues: int | None = None

    @property
    def closed(self) -> bool:
        return self.close_mark is not None

    @property
    def outer_start(self) -> int:
        return self.open_mark

    @property
    def outer_end(self) -> int:
        return self.close_mark + 1 if self.close_mark is not None else self.end


def _can_open(text: str, i: int, width: int = 1) -> bool:
    nxt = text[i + width] if i + width < len(text) else " "
    prev = text[i - 1] if i > 0 else " "
    if nxt.isspace():
        return False
    return prev.isspace() or prev in _OPENING_CONTEXT


def _can_close(text: str, i: int, width: int = 1) -> bool:
    nxt = text[i + width] if i + width < len(text) else " "
    prev = text[i - 1] if i > 0 else " "
    if prev.isspace():
        # 'I thought, 'I'm a drummer' ", he recalled': a space set between a closing single mark and the double
        # mark that closes around it
        return i >= 2 and text[i - 2] in "'\u2019" and (nxt.isspace() or nxt in _CLOSING_CONTEXT)
    return nxt.isspace() or nxt in _CLOSING_CONTEXT or not nxt.isalnum()


def _pairs(open_fam: str, close_fam: str) -> bool:
    return open_fam == close_fam


def _is_apostrophe(text: str, i: int, family: str, stack_has_single: bool) -> bool:
    """A single mark inside a word, or an elision/possessive with no single quote open, is an apostrophe."""
    if family != "single":
        return False
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if prev.isalnum() and nxt.isalnum():
        return True  # don't, Harris’s, O'Brien
    if not prev.isalnum() and _ELISIONS.match(text, i + 1) and text[i] != "\u2018":
        # 'n', '90s, 'em: but only where no matching closing mark follows shortly, as in 'n' itself
        m = _ELISIONS.match(text, i + 1)
        assert m is not None
        after = m.end()
        if after < len(text) and text[after] in "'\u2019" and m.group(0).lower() == "n":
            return True
        return m.group(0)[:1].isdigit() or m.group(0).lower() in {"em", "til", "tis", "twas", "cause", "bout"}
    if prev.isalnum() and not nxt.isalnum() and not stack_has_single:
        return True  # Jones' car, with no single quote open
    if text[i] == "'" and i > 0 and text[i - 1] == "n" and i >= 2 and text[i - 2] == "'":
        return True  # the closing half of 'n'
    return False


_MAX_DEPTH = 8
_CLOSING_SINGLE = re.compile(r"[\u2019'](?=\s|[.,;:!?)\]\u2014\u2013-]|$)")


def _possessive_inside(text: str, i: int, p_end: int, single_open: bool) -> bool:
    """A closing-looking ’ after a plural 's', followed by a lower-case word, with another closing single mark
    later in the paragraph: the possessive of 'players’ fans', not the end of the quote."""
    if not single_open or i == 0 or text[i - 1] not in "sS":
        return False
    rest = text[i + 1 : i + 3]
    if len(rest) < 2 or not rest[0].isspace() or not rest[1].islower():
        return False
    return _CLOSING_SINGLE.search(text, i + 1, min(p_end, i + 2000)) is not None  # bounded: stays linear


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-empty line; a newline ends a paragraph."""
    spans = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip():
            spans.append((pos, pos + len(body)))
        pos += len(line)
    return spans


def find_quotes(text: str) -> list[QuoteSpan]:
    """Every direct quote in ``text``, ordered by start; nested ones carry their parent's index."""
    quotes: list[QuoteSpan] = []
    pending_continuation: int | None = None  # an unclosed quote at the end of the previous paragraph
    for p_start, p_end in _paragraphs(text):
        stack: list[tuple[int, str, int | None]] = []  # (mark position, family, index of enclosing quote)
        widths: dict[int, int] = {}  # opening mark position -> its width in characters
        first_mark = _first_nonspace(text, p_start, p_end)
        opened_here: list[int] = []
        for m in _MARK_RE.finditer(text, p_start, p_end):
            i, width = m.start(), len(m.group())
            family, role = _MARKS_2[m.group()] if width == 2 else _MARKS[m.group()]
            stack_has_single = any(f == "single" for _, f, _ in stack)
            if _is_apostrophe(text, i, family, stack_has_single):
                continue
            if family == "single" and role != "open" and _possessive_inside(text, i, p_end, stack_has_single):
                continue  # ‘The players’ fans were ...’: a plural possessive inside a single-quoted quote
            if m.group() == "\u201c" and stack and text[stack[-1][0]] == "\u201e":
                role = "close"  # German „...“: the high mark closes the low one
            families_open = {f for _, f, _ in stack}
            if family == "guillemet" and role == "close" and "guillemet" not in families_open:
                family, role = "guillemet_rev", "open"  # »reversed« guillemets, as in German and Danish
            elif family == "guillemet" and role == "open" and "guillemet_rev" in families_open:
                family, role = "guillemet_rev", "close"
            if role == "amb":
                can_close, can_open = _can_close(text, i, width), _can_open(text, i, width)
            elif family == "single":
                # ‘ and ’ double as apostrophes and are often typed the wrong way round: check their context
                can_close = role == "close" and _can_close(text, i)
                can_open = role == "open" and _can_open(text, i)
            else:  # typeset double marks and guillemets say what they are (French puts spaces inside «  »)
                can_close, can_open = role == "close", role == "open"
            match = None
            if can_close:
                for depth in range(len(stack) - 1, -1, -1):
                    if _pairs(stack[depth][1], family):
                        match = depth
                        break
            if match is not None and (not can_open or stack[match][1] == family):
                open_pos, open_family, parent = stack[match]
                open_width = widths.get(open_pos, 1)
                del stack[match:]  # inner marks left open were apostrophes or typos
                if text[open_pos + open_width : i].strip():
                    c_start, c_end = strip_span(text, open_pos + open_width, i)
                    quotes.append(QuoteSpan(c_start, c_end, open_pos, i + width - 1, open_family, parent))
                    opened_here.append(len(quotes) - 1)
                continue
            if can_open and len(stack) < _MAX_DEPTH:  # deeper nesting is never real: keeps one pass linear
                parent = _enclosing(quotes, stack)
                stack.append((i, family, parent))
                widths[i] = width
        # whatever is still open: the outermost double-family mark runs to the paragraph's end
        pending_here: int | None = None
        paragraph_opener = _first_nonspace_pos(text, p_start, p_end)
        for open_pos, family, parent in stack:
            typeset_opener = text[open_pos] == "\u2018" and text[open_pos + 1 : open_pos + 2].isupper()
            if family in ("single", "single_guillemet") and parent is None and not (
                open_pos == paragraph_opener or typeset_opener
            ):
                continue  # a lone single mark is far more often an apostrophe than a quote, unless it opens
                # the paragraph or is a typeset ‘ before a capital, as British speech running on is written
            c_start, c_end = strip_span(text, open_pos + widths.get(open_pos, 1), p_end)
            if c_end > c_start:
                quotes.append(QuoteSpan(c_start, c_end, open_pos, None, family, parent))
                if parent is None:
                    pending_here = len(quotes) - 1
            break
        # a quote that opens this paragraph continues the previous paragraph's unclosed quote
        if pending_continuation is not None and first_mark is not None and first_mark in QUOTE_MARK_CHARS:
            for idx in opened_here + ([pending_here] if pending_here is not None else []):
                if quotes[idx].open_mark == _first_nonspace_pos(text, p_start, p_end):
                    quotes[idx].continues = -1 - quotes[pending_continuation].open_mark
                    break
        pending_continuation = pending_here
    quotes.sort(key=lambda q: (q.start, -q.end))
    return _reindex(quotes)


def _enclosing(quotes: list[QuoteSpan], stack: list[tuple[int, str, int | None]]) -> int | None:
    """Index the enclosing quote will have: resolved later by position, so store the open mark for now."""
    return None if not stack else -1 - stack[-1][0]  # negative: 'the quote opened at this mark'


def _reindex(quotes: list[QuoteSpan]) -> list[QuoteSpan]:
    """Turn parent/continues references (stored as -1 - opening mark position) into indices of the sorted list."""
    by_open = {q.open_mark: n for n, q in enumerate(quotes)}
    for q in quotes:
        if q.parent is not None:
            q.parent = by_open.get(-1 - q.parent)
        if q.continues is not None:
            q.continues = by_open.get(-1 - q.continues)
    return quotes


def _first_nonspace_pos(text: str, start: int, end: int) -> int:
    i = start
    while i < end and text[i].isspace():
        i += 1
    return i


def _first_nonspace(text: str, start: int, end: int) -> str | None:
    i = _first_nonspace_pos(text, start, end)
    return text[i] if i < end else None


