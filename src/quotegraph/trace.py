"""Follow a quote across the news: group the records of one utterance, then say who said it first, who repeated
it, to whom it was attributed and who changed its words.

Two records are the same utterance when one is the other with trimming, an ellipsis, changed punctuation or case,
a partial quotation (a contiguous run of the other's words), or a small edit (a word changed, added or dropped);
never when they merely share a phrase. Finding such pairs among millions of quotes is done in two steps:

1. **Candidates** from a near-duplicate index over normalised words, with no all-pairs comparison. Every quote
   gives two kinds of keys, all computed with numpy over whole arrays of quotes:

   - *MinHash LSH bands* over its word-bigram shingles (``BANDS`` bands of ``ROWS`` min-hashes each): two quotes
     whose shingle sets are similar (Jaccard about 0.5 or more) share a band key with high probability. This
     finds copies, trimmed copies, case/punctuation changes and word edits.
   - *winnowed shingle minimums* (the local MinHash of every ``WINNOW`` consecutive word-trigram hashes, as in
     MOSS): any run of at least ``WINNOW + 2`` = 5 words that two quotes share gives both the same key. This finds
     partial quotations and the pieces around an ellipsis, which a whole-quote MinHash cannot (a 6-word excerpt
     of a 60-word quote has a Jaccard of about 0.07).

   Keys are sorted once; quotes with equal keys are candidates. A key held by very many quotes (a viral quote, or
   a common phrase) does not give all pairs: its holders are ordered by their first min-hash and each is paired
   with its next ``NEIGHBOURS`` (a sorted-neighbourhood window), so the work stays linear in the number of keys.
2. **Verification** of each candidate pair on the words themselves (``verify``): the shorter quote's word
   trigrams must mostly occur in the longer one (containment), and a ``difflib`` alignment of the shorter against
   the window of the longer it covers must be close (ratio), where the words an ellipsis stands for are not
   counted as a difference. Quotes under 5 words only group when equal and said by the same speaker; an indirect
   quote only with a near-verbatim quote of about the same length. Verified pairs are joined into groups
   (connected components, by vectorised pointer jumping).

The thresholds were tuned on the dev part of the trace test set (``benchmarks/trace_testset.py``); ``quotegraph
eval trace`` reports the test part. ``docs/trace.md`` explains the output and the figures.

Per group (``QuoteGroup``): the first appearance (earliest dated article, ties by article key), the outlets and
dates in order, the speakers with a misattribution flag, a word-level diff of every variant against the earliest
full form, and the headline quotes linked to the body quotes they condense (``link_headline_quotes``).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from quotegraph.record import QuoteRecord

# ---------------------------------------------------------------------------------------------------- parameters

#: MinHash LSH over word bigrams: ``BANDS`` bands of ``ROWS`` rows (``BANDS * ROWS`` hash functions).
SHINGLE = 2
BANDS = 16
ROWS = 4
#: Winnowing over word trigrams: the minimum hash of every window of this many consecutive trigrams is a key, so a
#: shared run of ``WINNOW + WINNOW_SHINGLE - 1`` words always gives a shared key.
WINNOW_SHINGLE = 3
WINNOW = 3
#: Holders of one key are paired with this many next holders (in min-hash order), not all with all.
NEIGHBOURS = 8
WINNOW_PARTS = 8
#: Quotes of fewer words only group when equal (normalised) and said by the same speaker.
MIN_WORDS = 5
#: Verification thresholds (tuned on the dev split of the trace test set; see docs/trace.md).
MIN_CONTAINMENT = 0.5  # share of the shorter quote's word trigrams found in the longer one
MIN_RATIO = 0.8  # difflib ratio of the shorter quote against the window of the longer one it covers
MIN_MATCHED = 0.85  # share of the shorter quote's words aligned with the longer one
#: An indirect quote groups only when near-verbatim: this ratio over the whole of both texts.
MIN_INDIRECT_RATIO = 0.9
#: Records are encoded and hashed this many at a time (bounds the memory of the numpy steps).
CHUNK = 200_000

ELLIPSIS = "\u2026"
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
Kind = Literal["direct", "indirect", "mixed"]
KIND_CODES: dict[str, int] = {"direct": 0, "indirect": 1, "mixed": 2}

# ---------------------------------------------------------------------------------------------------- words

_ELLIPSIS_RE = re.compile(r"[\[(]\s*(?:\.\s*){3,}[\])]|[\[(]\s*\u2026\s*[\])]|(?:\.[ \t]?){2,}\.|\u2026")
# dashes and slashes separate words: 'well-known' and 'well known' are the same words
_SEPARATORS = re.compile(r"[\u2010-\u2015\u2212\-/]+")
_NOT_WORD = re.compile(r"[\W_]+")
_QUOTED = re.compile(
    r"(?:^|(?<=[\s(\[:;,\u2014\u2013-]))[\"\u201c\u201e\u00ab]([^\"\u201c\u201d\u201e\u00ab\u00bb]{2,}?)"
    r"[\"\u201d\u00bb]"
)


@dataclass(frozen=True)
class Token:
    """A word as written (``text``) and its key (``key``): case-folded, accents and punctuation removed.

    An ellipsis is a token of its own, with key ``ELLIPSIS``: it marks words left out.
    """

    text: str
    key: str


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_WORD.sub("", stripped)


def tokens(text: str) -> list[Token]:
    """The words of ``text`` with their keys, an ellipsis (``...``, ``…``, ``[...]``) as an ``ELLIPSIS`` token.

    Punctuation-only pieces ('-', '"') are left out, so two texts differing only in punctuation and case have the
    same keys.
    """
    text = unicodedata.normalize("NFKC", text)
    out: list[Token] = []
    position = 0
    for match in _ELLIPSIS_RE.finditer(text):
        out.extend(_plain_tokens(text[position : match.start()]))
        if not out or out[-1].key != ELLIPSIS:  # two marks in a row are one omission
            out.append(Token(match.group(0), ELLIPSIS))
        position = match.end()
    out.extend(_plain_tokens(text[position:]))
    # an ellipsis at either end only says the quote was cut: that is a partial quote, not an omission inside it
    while out and out[0].key == ELLIPSIS:
        out.pop(0)
    while out and out[-1].key == ELLIPSIS:
        out.pop()
    return out


def _plain_tokens(text: str) -> Iterator[Token]:
    for piece in text.split():
        for part in _SEPARATORS.split(piece):
            key = _fold(part)
            if key:
                yield Token(part, key)


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (keys of ``tokens``), ``ELLIPSIS`` where words were left out."""
    return [token.key for token in tokens(text)]


def traced_text(text: str, kind: str) -> str:
    """The part of a quote that is traced: a mixed quote's quoted words (pieces joined by an ellipsis, since the
    reporter's words between them are not the speaker's); the whole text of a direct or indirect quote."""
    if kind != "mixed":
        return text
    parts = [match.group(1).strip() for match in _QUOTED.finditer(text)]
    parts = [part for part in parts if part]
    return f" {ELLIPSIS} ".join(parts) if parts else text


def record_words(record: QuoteRecord) -> list[str]:
    return words(traced_text(record.text, record.kind))


# ---------------------------------------------------------------------------------------------------- encoding


class Vocabulary:
    """Word keys to dense ids (0 is the ellipsis mark) and each id's stable 64-bit hash (blake2b of the key)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {ELLIPSIS: 0}
        self._hashes: list[int] = [0]

    def id(self, key: str) -> int:
        found = self.ids.get(key)
        if found is None:
            found = len(self._hashes)
            self.ids[key] = found
            self._hashes.append(int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little"))
        return found

    def encode(self, keys: Sequence[str]) -> list[int]:
        return [self.id(key) for key in keys]

    def hashes(self) -> npt.NDArray[np.uint64]:
        return np.array(self._hashes, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self._hashes)


@dataclass
class Encoded:
    """Many quotes as flat arrays: quote ``i``'s word ids are ``tokens[offsets[i]:offsets[i + 1]]`` (0 marks an
    ellipsis); ``speakers[i]`` is a speaker id (-1 unknown) and ``kinds[i]`` a ``KIND_CODES`` value."""

    tokens: npt.NDArray[np.int32]
    offsets: npt.NDArray[np.int64]
    speakers: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.int8]
    vocabulary: Vocabulary

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def words_of(self, i: int) -> list[int]:
        return self.tokens[self.offsets[i] : self.offsets[i + 1]].tolist()

    @classmethod
    def build(
        cls,
        word_lists: Iterable[Sequence[str]],
        speakers: Iterable[int] | None = None,
        kinds: Iterable[int] | None = None,
        vocabulary: Vocabulary | None = None,
    ) -> Encoded:
        vocab = vocabulary or Vocabulary()
        flat: list[int] = []
        offsets = [0]
        for keys in word_lists:
            flat.extend(vocab.encode(keys))
            offsets.append(len(flat))
        n = len(offsets) - 1
        return cls(
            tokens=np.array(flat, dtype=np.int32),
            offsets=np.array(offsets, dtype=np.int64),
            speakers=np.array(list(speakers) if speakers is not None else [-1] * n, dtype=np.int64),
            kinds=np.array(list(kinds) if kinds is not None else [0] * n, dtype=np.int8),
            vocabulary=vocab,
        )


# ---------------------------------------------------------------------------------------------------- hashing


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser: a fast, well-spread 64-bit hash of a uint64 array (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


_SHINGLE_MULTIPLIERS = [np.uint64(m) for m in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)]


def _shingles(
    word_hash: npt.NDArray[np.uint64], tokens: npt.NDArray[np.int32], offsets: npt.NDArray[np.int64], k: int
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Hashes of every run of ``k`` words inside one quote and not across an ellipsis, and the quote of each.

    A quote with no run of ``k`` words gives one shingle of all its words. ``owner`` comes out sorted.
    """
    n = len(offsets) - 1
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
    m = len(tokens)
    if m == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    h = word_hash[tokens]
    gap = tokens == 0
    combined = h * _SHINGLE_MULTIPLIERS[0]
    valid = ~gap
    for j in range(1, k):
        shifted = np.zeros(m, dtype=np.uint64)
        shifted[: m - j] = h[j:]
        same = np.zeros(m, dtype=bool)
        same[: m - j] = (owner[j:] == owner[: m - j]) & ~gap[j:]
        valid &= same
        combined = combined + shifted * _SHINGLE_MULTIPLIERS[j % len(_SHINGLE_MULTIPLIERS)]
    hashes = _mix(combined)
    # a quote too short for one full shingle: one shingle of all its words (position-keyed, summed)
    lengths = np.diff(offsets)
    has_full = np.zeros(n, dtype=bool)
    has_full[owner[valid]] = True
    short_quote = ~has_full & (lengths > 0)
    out_h, out_o = hashes[valid], owner[valid]
    if short_quote.any():
        pick = short_quote[owner] & ~gap
        if pick.any():
            positions = np.arange(m, dtype=np.int64) - offsets[:-1][owner]
            values = _mix(h[pick] ^ (positions[pick].astype(np.uint64) * np.uint64(0xD6E8FEB86659FD93)))
            short_owner = owner[pick]
            starts = np.flatnonzero(np.r_[True, short_owner[1:] != short_owner[:-1]])
            summed = _mix(np.add.reduceat(values, starts))
            out_h = np.concatenate([out_h, summed])
            out_o = np.concatenate([out_o, short_owner[starts]])
            order = np.argsort(out_o, kind="stable")
            out_h, out_o = out_h[order], out_o[order]
    return out_h, out_o


def _permutations(count: int, seed: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=count, dtype=np.uint64) * np.uint64(2) + np.uint64(1)  # odd: a bijection
    b = rng.integers(0, 2**63, size=count, dtype=np.uint64)
    return a, b


def minhash(
    shingle_hashes: npt.NDArray[np.uint64], owner: npt.NDArray[np.int64], n: int, num_perm: int, seed: int = 7
) -> npt.NDArray[np.uint64]:
    """MinHash signatures (``n`` x ``num_perm``) of the shingle sets: min over each quote of ``a*h + b`` (mod 2^64)
    for ``num_perm`` random odd ``a`` (a bijection of the 64-bit space). ``owner`` must be sorted; a quote with no
    shingle gets all-ones."""
    signatures = np.full((n, num_perm), _MASK64, dtype=np.uint64)
    if len(owner) == 0:
        return signatures
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    holders = owner[starts]
    a, b = _permutations(num_perm, seed)
    for p in range(num_perm):
        permuted = shingle_hashes * a[p] + b[p]
        signatures[holders, p] = np.minimum.reduceat(permuted, starts)
    return signatures


def band_keys(signatures: npt.NDArray[np.uint64], bands: int = BANDS, rows: int = ROWS) -> npt.NDArray[np.uint64]:
    """One 64-bit key per band (``n`` x ``bands``): a hash of the band's ``rows`` min-hashes and the band number."""
    n = len(signatures)
    keys = np.empty((n, bands), dtype=np.uint64)
    for band in range(bands):
        acc = np.full(n, np.uint64(((band + 1) * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF), dtype=np.uint64)
        for r in range(rows):
            acc = _mix(acc ^ signatures[:, band * rows + r])
        keys[:, band] = acc
    empty = np.all(signatures == _MASK64, axis=1)
    keys[empty] = 0  # no words: no key (0 is never used as a key below)
    return keys


def winnow_keys(
    shingle_hashes: npt.NDArray[np.uint64], owner: npt.NDArray[np.int64], window: int = WINNOW
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Winnowing: the minimum of every ``window`` consecutive shingle hashes of a quote (one per distinct value per
    quote); a quote with fewer shingles gives its minimum. Returns (keys, owner)."""
    m = len(shingle_hashes)
    if m == 0:
        return shingle_hashes, owner
    keyed = _mix(shingle_hashes ^ np.uint64(0x2545F4914F6CDD1D))  # independent of the MinHash permutations
    mins = keyed.copy()
    in_window = np.ones(m, dtype=bool)
    for j in range(1, window):
        same = np.zeros(m, dtype=bool)
        same[: m - j] = owner[j:] == owner[: m - j]
        shifted = np.full(m, _MASK64, dtype=np.uint64)
        shifted[: m - j] = keyed[j:]
        mins = np.where(same, np.minimum(mins, shifted), mins)
        in_window &= same
    # complete windows only; successive windows mostly pick the same minimum: keep one of each run
    keys, owners = mins[in_window], owner[in_window]
    if len(keys):
        fresh = np.r_[True, (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])]
        keys, owners = keys[fresh], owners[fresh]
    # a quote with fewer shingles than one window: its minimum
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    has_window = np.zeros(int(owner[-1]) + 1, dtype=bool)
    has_window[owners] = True
    lacking = ~has_window[owner[starts]]
    if lacking.any():
        overall = np.minimum.reduceat(keyed, starts)
        keys = np.concatenate([keys, overall[lacking]])
        owners = np.concatenate([owners, owner[starts][lacking]])
    return keys, owners


# ---------------------------------------------------------------------------------------------------- candidates


def _pairs_from_keys(
    keys: npt.NDArray[np.uint64], owner: npt.NDArray[np.int64], order_key: npt.NDArray[np.uint64], neighbours: int
) -> npt.NDArray[np.int64]:
    """Pairs (a < b) of quotes holding the same key, as codes ``a * n + b`` (with repeats).

    A key with at most ``neighbours + 1`` holders gives all its pairs. A crowded key (a common phrase, or a quote
    copied very often) gives each holder's pairs with its next ``neighbours`` holders in ``order_key`` order (the
    first min-hash) only where that is equal: near-copies sit side by side there, and the work stays linear.
    """
    n = len(order_key)
    keep = keys != 0
    keys, owner = keys[keep], owner[keep]
    if len(keys) < 2:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((order_key[owner], keys))
    keys, owner = keys[order], owner[order]
    # the number of holders of each entry's key
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    crowded = np.repeat(sizes > neighbours + 1, sizes)
    first = order_key[owner]
    out = []
    for d in range(1, neighbours + 1):
        if d >= len(keys):
            break
        same = keys[d:] == keys[:-d]
        if not same.any():
            break
        same &= ~crowded[:-d] | (first[d:] == first[:-d])
        a, b = owner[:-d][same], owner[d:][same]
        low, high = np.minimum(a, b), np.maximum(a, b)
        distinct = low != high
        out.append(low[distinct] * np.int64(n) + high[distinct])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _decode(codes: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.int64]:
    return np.stack([codes // n, codes % n], axis=1) if len(codes) else np.zeros((0, 2), dtype=np.int64)


@dataclass
class IndexKeys:
    """The index keys of a set of quotes: LSH band keys (n x BANDS), winnow keys with their quotes, and each
    quote's first min-hash (the order used inside a crowded key)."""

    bands: npt.NDArray[np.uint64]
    winnow: npt.NDArray[np.uint64]
    winnow_owner: npt.NDArray[np.int64]
    first: npt.NDArray[np.uint64]


def index_keys(encoded: Encoded, seed: int = 7, chunk: int = CHUNK) -> IndexKeys:
    """Band and winnow keys of every quote, computed ``chunk`` quotes at a time."""
    word_hash = encoded.vocabulary.hashes()
    n = len(encoded)
    bands = np.zeros((n, BANDS), dtype=np.uint64)
    first = np.zeros(n, dtype=np.uint64)
    winnow_parts: list[npt.NDArray[np.uint64]] = []
    owner_parts: list[npt.NDArray[np.int64]] = []
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        t0, t1 = int(encoded.offsets[lo]), int(encoded.offsets[hi])
        tokens = encoded.tokens[t0:t1]
        offsets = encoded.offsets[lo : hi + 1] - t0
        sh, so = _shingles(word_hash, tokens, offsets, SHINGLE)
        signatures = minhash(sh, so, hi - lo, BANDS * ROWS, seed)
        bands[lo:hi] = band_keys(signatures)
        first[lo:hi] = signatures[:, 0]
        del signatures, sh, so
        wh, wo = _shingles(word_hash, tokens, offsets, WINNOW_SHINGLE)
        wk, wowner = winnow_keys(wh, wo)
        winnow_parts.append(wk)
        owner_parts.append(wowner + lo)
    return IndexKeys(
        bands=bands,
        winnow=np.concatenate(winnow_parts) if winnow_parts else np.zeros(0, dtype=np.uint64),
        winnow_owner=np.concatenate(owner_parts) if owner_parts else np.zeros(0, dtype=np.int64),
        first=first,
    )


def candidate_pairs(keys: IndexKeys, neighbours: int = NEIGHBOURS) -> npt.NDArray[np.int64]:
    """Distinct candidate pairs (a < b): quotes sharing a band key (near-copies), or sharing at least half of
    the winnow keys of the one with fewer (a passage of one inside the other: every winnow key of an exact
    excerpt is also a key of its source, while two quotes that merely share a phrase share one or two keys).

    Bands are paired one at a time and the winnow keys in ``WINNOW_PARTS`` parts (by their top bits), so the
    memory is that of one band's or one part's keys, plus the pairs."""
    n = len(keys.first)
    owners = np.arange(n, dtype=np.int64)
    band_codes = [np.unique(_pairs_from_keys(keys.bands[:, band], owners, keys.first, neighbours))
                  for band in range(keys.bands.shape[1])]  # fmt: skip
    near = np.unique(np.concatenate(band_codes)) if band_codes else np.zeros(0, dtype=np.int64)
    del band_codes
    top = keys.winnow >> np.uint64(64 - 3)
    parts = []
    for part in range(WINNOW_PARTS):
        mask = top == part
        parts.append(_pairs_from_keys(keys.winnow[mask], keys.winnow_owner[mask], keys.first, neighbours))
    codes, shared = np.unique(np.concatenate(parts), return_counts=True)
    del parts
    held = np.bincount(keys.winnow_owner, minlength=n)
    fewer = np.minimum(held[codes // n], held[codes % n])
    passage = codes[2 * shared >= fewer]
    return _decode(np.union1d(near, passage), n)


# ---------------------------------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Thresholds:
    min_containment: float = MIN_CONTAINMENT
    min_ratio: float = MIN_RATIO
    min_matched: float = MIN_MATCHED
    min_indirect_ratio: float = MIN_INDIRECT_RATIO
    min_words: int = MIN_WORDS


DEFAULT_THRESHOLDS = Thresholds()


def _plain(seq: Sequence[Any], gap: Any) -> tuple[list[Any], set[int]]:
    """The words without ellipsis marks, and the positions (in that list) where an ellipsis stood."""
    plain: list[Any] = []
    gaps: set[int] = set()
    for item in seq:
        if item == gap:
            gaps.add(len(plain))
        else:
            plain.append(item)
    return plain, gaps


def _grams(seq: Sequence[Any], gap: Any, k: int) -> set[tuple[Any, ...]]:
    grams: set[tuple[Any, ...]] = set()
    piece: list[Any] = []
    for item in [*seq, gap]:
        if item == gap:
            if 0 < len(piece) < k:
                grams.add(tuple(piece))
            grams.update(tuple(piece[i : i + k]) for i in range(len(piece) - k + 1))
            piece = []
        else:
            piece.append(item)
    return grams


@dataclass(frozen=True)
class Alignment:
    """How the shorter quote ``s`` lies in the longer ``l``: shares of ``s`` in ``l`` and closeness in the window."""

    containment: float
    matched: float
    ratio: float
    whole_ratio: float


def align(a: Sequence[Any], b: Sequence[Any], gap: Any = ELLIPSIS) -> Alignment:
    """Align two word sequences (keys or ids; ``gap`` marks an ellipsis): the shorter against the longer."""
    pa, ga = _plain(a, gap)
    pb, gb = _plain(b, gap)
    if len(pa) > len(pb) or (len(pa) == len(pb) and len(gb) > len(ga)):
        pa, ga, pb, gb, a, b = pb, gb, pa, ga, b, a
    s, s_gaps, longer = pa, ga, pb
    if not s:
        return Alignment(0.0, 0.0, 0.0, 0.0)
    s_grams = _grams(a, gap, WINNOW_SHINGLE)
    l_grams = _grams(b, gap, WINNOW_SHINGLE)
    containment = len(s_grams & l_grams) / len(s_grams) if s_grams else 0.0
    matcher = difflib.SequenceMatcher(None, s, longer, autojunk=False)
    blocks = [block for block in matcher.get_matching_blocks() if block.size]
    matched = sum(block.size for block in blocks)
    whole = 2.0 * matched / (len(s) + len(longer))
    if not blocks:
        return Alignment(containment, 0.0, 0.0, whole)
    window = blocks[-1].b + blocks[-1].size - blocks[0].b
    # words of the longer quote that an ellipsis of the shorter stands for are an omission, not a difference
    for i1, i2, j1, j2 in _inserts(matcher.get_opcodes()):
        if i1 == i2 and i1 in s_gaps and blocks[0].b <= j1 and j2 <= blocks[-1].b + blocks[-1].size:
            window -= j2 - j1
    ratio = 2.0 * matched / (len(s) + max(window, 1))
    return Alignment(containment, matched / len(s), min(1.0, ratio), whole)


def _inserts(opcodes: Sequence[tuple[str, int, int, int, int]]) -> Iterator[tuple[int, int, int, int]]:
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "insert":
            yield i1, i2, j1, j2


def utterance_score(
    a: Sequence[Any],
    b: Sequence[Any],
    *,
    kind_a: int = 0,
    kind_b: int = 0,
    speaker_a: Hashable = None,
    speaker_b: Hashable = None,
    gap: Any = ELLIPSIS,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> float:
    """How surely two quotes (word keys or ids, ``gap`` for an ellipsis) are one utterance: 0 when they are not
    (see the module doc), else a score in (0, 2] (the share of the shorter quote aligned plus the window ratio).

    ``kind_*`` are ``KIND_CODES`` values; ``speaker_*`` are comparable speaker identities (None: unknown).
    """
    na = sum(1 for x in a if x != gap)
    nb = sum(1 for x in b if x != gap)
    if min(na, nb) < thresholds.min_words:
        plain_a = [x for x in a if x != gap]
        plain_b = [x for x in b if x != gap]
        same = plain_a == plain_b and speaker_a is not None and speaker_a == speaker_b
        return 2.0 if same else 0.0
    found = align(a, b, gap)
    if kind_a == KIND_CODES["indirect"] or kind_b == KIND_CODES["indirect"]:
        return 2.0 * found.whole_ratio if found.whole_ratio >= thresholds.min_indirect_ratio else 0.0
    if (
        found.containment >= thresholds.min_containment
        and found.matched >= thresholds.min_matched
        and found.ratio >= thresholds.min_ratio
    ):
        return found.matched + found.ratio
    return 0.0


def same_utterance(a: Sequence[Any], b: Sequence[Any], **kwargs: Any) -> bool:
    """Whether two quotes are one utterance (``utterance_score`` > 0); same arguments."""
    return utterance_score(a, b, **kwargs) > 0


def _pair_score(encoded: Encoded, i: int, j: int, wi: list[int], wj: list[int], thresholds: Thresholds) -> float:
    si, sj = int(encoded.speakers[i]), int(encoded.speakers[j])
    return utterance_score(
        wi,
        wj,
        kind_a=int(encoded.kinds[i]),
        kind_b=int(encoded.kinds[j]),
        speaker_a=None if si < 0 else si,
        speaker_b=None if sj < 0 else sj,
        gap=0,
        thresholds=thresholds,
    )


def verify_pairs(
    encoded: Encoded, pairs: npt.NDArray[np.int64], thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> npt.NDArray[np.float64]:
    """``utterance_score`` of each candidate pair of ``encoded`` quotes (0: not one utterance)."""
    scores = np.zeros(len(pairs), dtype=np.float64)
    if len(pairs) == 0:
        return scores
    # quick bounds first, over all pairs at once: a short quote only groups with an equal one by the same speaker
    lengths_array = np.diff(encoded.offsets)
    a, b = pairs[:, 0], pairs[:, 1]
    short = np.minimum(lengths_array[a], lengths_array[b]) < thresholds.min_words
    speakers = encoded.speakers
    hopeless = short & ((lengths_array[a] != lengths_array[b]) | (speakers[a] != speakers[b]) | (speakers[a] < 0))
    cache: dict[int, list[int]] = {}
    for index in np.flatnonzero(~hopeless).tolist():
        i, j = int(a[index]), int(b[index])
        wi = cache.get(i)
        if wi is None:
            if len(cache) > 4096:
                cache.clear()
            wi = cache[i] = encoded.words_of(i)
        scores[index] = _pair_score(encoded, i, j, wi, encoded.words_of(j), thresholds)
    return scores


def components(n: int, pairs: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Connected components of ``n`` nodes joined by ``pairs``: each node's label is the smallest node of its
    component (vectorised min-label propagation with pointer jumping; a few passes over the edges)."""
    labels = np.arange(n, dtype=np.int64)
    if len(pairs) == 0:
        return labels
    a, b = pairs[:, 0], pairs[:, 1]
    while True:
        low = np.minimum(labels[a], labels[b])
        before = labels.copy()
        np.minimum.at(labels, a, low)
        np.minimum.at(labels, b, low)
        # pointer jumping: follow labels to their roots
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(labels, before):
            return labels


def careful_components(
    encoded: Encoded,
    pairs: npt.NDArray[np.int64],
    scores: npt.NDArray[np.float64],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> npt.NDArray[np.int64]:
    """Groups from verified pairs, without bridging: two groups are joined by a pair only when their longest
    members are one utterance too. A short partial quote can fit two different statements that share its words;
    joining on any pair would chain them. Pairs are taken strongest first; a group of two needs no check, so only
    components of three or more (by plain connectivity) are walked in Python. Labels: smallest index per group."""
    n = len(encoded)
    keep = scores > 0
    pairs, scores = pairs[keep], scores[keep]
    labels = components(n, pairs)
    if len(pairs) == 0:
        return labels
    sizes = np.bincount(labels, minlength=n)
    big = sizes[labels[pairs[:, 0]]] >= 3
    if not big.any():
        return labels
    lengths = np.diff(encoded.offsets)
    chosen = np.flatnonzero(big)
    order = chosen[np.lexsort((pairs[chosen, 1], pairs[chosen, 0], -scores[chosen]))]
    parent: dict[int, int] = {}
    longest: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs[order].tolist():
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        la, lb = longest.get(ra, ra), longest.get(rb, rb)
        if {la, lb} != {a, b} and not _pair_score(
            encoded, la, lb, encoded.words_of(la), encoded.words_of(lb), thresholds
        ):
            continue
        parent[rb] = ra
        longest[ra] = la if (lengths[la], -la) >= (lengths[lb], -lb) else lb
    # nodes of the walked components get the smallest index of their careful group
    walked = np.flatnonzero(sizes[labels] >= 3)
    roots = np.array([find(int(x)) for x in walked.tolist()], dtype=np.int64)
    smallest: dict[int, int] = {}
    for node, root in zip(walked.tolist(), roots.tolist(), strict=True):
        smallest[root] = min(smallest.get(root, node), node)
    labels = labels.copy()
    labels[walked] = [smallest[r] for r in roots.tolist()]
    return labels


def group_encoded(
    encoded: Encoded, thresholds: Thresholds = DEFAULT_THRESHOLDS, seed: int = 7
) -> npt.NDArray[np.int64]:
    """The group label of each encoded quote (the smallest index in its group): index, verify, join."""
    keys = index_keys(encoded, seed)
    pairs = candidate_pairs(keys)
    del keys
    scores = verify_pairs(encoded, pairs, thresholds)
    return careful_components(encoded, pairs, scores, thresholds)


# ---------------------------------------------------------------------------------------------------- speakers

_TITLES = {
    "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "lord", "lady", "president", "prime",
    "minister", "senator", "sen", "rep", "gov", "governor", "mayor", "judge", "justice", "rev", "general", "gen",
    "chancellor", "secretary", "king", "queen", "prince", "princess", "pope", "st",
}  # fmt: skip


def name_words(name: str) -> tuple[str, ...]:
    """A speaker name's words, case-folded, accents and titles removed ('Mr Blair' -> ('blair',))."""
    found = [key for key in (_fold(part) for part in re.split(r"[\s.\-]+", name)) if key]
    kept = [word for word in found if word not in _TITLES]
    return tuple(kept or found)


def speaker_persons(names: Iterable[str]) -> dict[str, int]:
    """Which of ``names`` are the same person: a name to a person number.

    Names with the same words are one person; a one-word name (a surname) joins the one full name whose last word
    it is; a surname that fits several different full names is ambiguous and joins none of them (it is then not
    counted as a person of its own either: its person number is -1).
    """
    distinct = sorted({name for name in names if name and name.strip()})
    keys = {name: name_words(name) for name in distinct}
    full: dict[tuple[str, ...], int] = {}
    person: dict[str, int] = {}
    # longest first, so that 'Tony Blair' exists before 'Blair' is placed; 'Karl Otto Poehl' and 'Otto Poehl'
    # are joined (the words of one are among the other's, and the last word is the same)
    for name in sorted(distinct, key=lambda nm: (-len(keys[nm]), nm)):
        words_ = keys[name]
        if not words_:
            person[name] = -1
            continue
        if len(words_) > 1:
            match = None
            for other, number in full.items():
                if other == words_ or (other[-1] == words_[-1] and set(words_) <= set(other)):
                    match = number
                    break
            if match is None:
                match = len(full)
                full[words_] = match
            else:
                full.setdefault(words_, match)
            person[name] = match
        else:
            fits = {number for other, number in full.items() if other[-1] == words_[0] or other[0] == words_[0]}
            if len(fits) == 1:
                person[name] = fits.pop()
            elif not fits:
                key = (words_[0],)
                if key not in full:
                    full[key] = len(full)
                person[name] = full[key]
            else:
                person[name] = -1
    return person


def countable_speaker(record: QuoteRecord) -> str | None:
    """The speaker a misattribution check counts: a resolved person or organisation, else None."""
    if record.speaker and record.speaker_type in ("person", "organization"):
        return record.speaker
    return None


# ---------------------------------------------------------------------------------------------------- diffs

DiffOp = Literal["equal", "case", "replace", "insert", "delete", "omitted", "outside", "extra"]


@dataclass
class DiffPiece:
    """One step of a variant's diff against the reference: ``op`` and the words on each side.

    equal: same words; case: same words, other case or punctuation; replace/insert/delete: altered wording
    (insert: words only the variant has, delete: words of the reference the variant dropped without an
    ellipsis); omitted: words of the reference an ellipsis stands for; outside: reference words before or after a
    partial quote; extra: variant words beyond the ends of the reference (it quoted more).
    """

    op: DiffOp
    reference: str = ""
    variant: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"op": self.op, "reference": self.reference, "variant": self.variant}


@dataclass
class VariantDiff:
    pieces: list[DiffPiece]
    identical: bool
    case_or_punctuation: bool
    partial: bool
    omission: bool
    altered: bool
    extended: bool
    changes: list[str]

    @property
    def label(self) -> str:
        if self.identical:
            return "identical"
        parts = []
        if self.altered:
            parts.append("altered wording")
        if self.omission:
            parts.append("omission (ellipsis)")
        if self.partial:
            parts.append("partial")
        if self.extended:
            parts.append("longer")
        if self.case_or_punctuation:
            parts.append("punctuation/case")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "identical": self.identical,
            "case_or_punctuation": self.case_or_punctuation,
            "partial": self.partial,
            "omission": self.omission,
            "altered": self.altered,
            "extended": self.extended,
            "changes": self.changes,
            "pieces": [piece.to_dict() for piece in self.pieces],
        }


def _join(toks: Sequence[Token]) -> str:
    return " ".join(token.text for token in toks)


def word_diff(reference: str, variant: str) -> VariantDiff:
    """A word-level diff of ``variant`` against ``reference`` (both quote texts), with what kind of change it is.

    Words are compared by key (case, accents and punctuation ignored); a word whose key matches but whose writing
    differs (case, accents, a comma after it) is a 'case' step. Reference words before the first and after the last aligned word are 'outside' (a
    partial quote is not an alteration); reference words that an ellipsis of the variant stands for are
    'omitted'; every other difference inside the aligned span is altered wording.
    """
    ref = [token for token in tokens(reference) if token.key != ELLIPSIS]
    var_all = tokens(variant)
    var: list[Token] = []
    gaps: set[int] = set()
    for token in var_all:
        if token.key == ELLIPSIS:
            gaps.add(len(var))
        else:
            var.append(token)
    matcher = difflib.SequenceMatcher(None, [t.key for t in ref], [t.key for t in var], autojunk=False)
    blocks = [block for block in matcher.get_matching_blocks() if block.size]
    pieces: list[DiffPiece] = []
    changes: list[str] = []
    case_changes = False
    omission = False
    if not blocks:
        pieces.append(DiffPiece("replace", _join(ref), _join(var)))
        return VariantDiff(pieces, False, False, False, False, True, False, [f"{_join(ref)} -> {_join(var)}"])
    first_ref, first_var = blocks[0].a, blocks[0].b
    last_ref = blocks[-1].a + blocks[-1].size
    last_var = blocks[-1].b + blocks[-1].size
    # unaligned words on both sides at the same end: those next to the aligned span were replaced
    head = min(first_ref, first_var)
    tail = min(len(ref) - last_ref, len(var) - last_var)
    partial = first_ref - head > 0 or len(ref) - last_ref - tail > 0
    extended = first_var - head > 0 or len(var) - last_var - tail > 0
    if first_var > head:
        pieces.append(DiffPiece("extra", "", _join(var[: first_var - head])))
    if first_ref > head:
        pieces.append(DiffPiece("outside", _join(ref[: first_ref - head]), ""))
    if head:
        replaced, by = ref[first_ref - head : first_ref], var[first_var - head : first_var]
        pieces.append(DiffPiece("replace", _join(replaced), _join(by)))
        changes.append(f"'{_join(replaced)}' -> '{_join(by)}'")
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        # keep to the aligned span; the ends were handled above
        i1c, i2c = max(i1, first_ref), min(i2, last_ref)
        j1c, j2c = max(j1, first_var), min(j2, last_var)
        if tag == "equal":
            if i1c >= i2c:
                continue
            run: list[tuple[Token, Token]] = list(zip(ref[i1c:i2c], var[j1c:j2c], strict=True))
            same: list[tuple[Token, Token]] = []
            for r_tok, v_tok in run:
                if r_tok.text != v_tok.text:
                    if same:
                        pieces.append(DiffPiece("equal", _join([p[0] for p in same]), _join([p[1] for p in same])))
                        same = []
                    pieces.append(DiffPiece("case", r_tok.text, v_tok.text))
                    case_changes = True
                else:
                    same.append((r_tok, v_tok))
            if same:
                pieces.append(DiffPiece("equal", _join([p[0] for p in same]), _join([p[1] for p in same])))
            continue
        if i1c >= i2c and j1c >= j2c:
            continue
        ref_words, var_words = ref[i1c:i2c], var[j1c:j2c]
        if tag == "delete" or (tag == "replace" and not var_words):
            at_gap = j1 in gaps
            if at_gap:
                pieces.append(DiffPiece("omitted", _join(ref_words), ELLIPSIS))
                omission = True
            else:
                pieces.append(DiffPiece("delete", _join(ref_words), ""))
                changes.append(f"dropped '{_join(ref_words)}'")
        elif tag == "insert" or not ref_words:
            pieces.append(DiffPiece("insert", "", _join(var_words)))
            changes.append(f"added '{_join(var_words)}'")
        else:
            pieces.append(DiffPiece("replace", _join(ref_words), _join(var_words)))
            changes.append(f"'{_join(ref_words)}' -> '{_join(var_words)}'")
    if tail:
        replaced, by = ref[last_ref : last_ref + tail], var[last_var : last_var + tail]
        pieces.append(DiffPiece("replace", _join(replaced), _join(by)))
        changes.append(f"'{_join(replaced)}' -> '{_join(by)}'")
    if last_ref + tail < len(ref):
        pieces.append(DiffPiece("outside", _join(ref[last_ref + tail :]), ""))
    if last_var + tail < len(var):
        pieces.append(DiffPiece("extra", "", _join(var[last_var + tail :])))
    altered = bool(changes)
    identical = not (altered or partial or omission or extended or case_changes)
    return VariantDiff(pieces, identical, case_changes, partial, omission, altered, extended, changes)


# ---------------------------------------------------------------------------------------------------- headline links

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "we",
        "you",
        "he",
        "she",
        "they",
        "me",
        "us",
        "him",
        "her",
        "them",
        "my",
        "our",
        "your",
        "his",
        "their",
        "not",
        "no",
        "so",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "shall",
        "than",
        "then",
        "there",
        "here",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "some",
        "more",
        "most",
        "very",
        "just",
        "also",
        "into",
        "over",
        "about",
        "up",
        "out",
        "says",
        "said",
        "say",
    ]
)


def key_words(text: str) -> list[str]:
    """The content words of a text (keys, stop words and ellipses left out)."""
    return [w for w in words(text) if w != ELLIPSIS and w not in _STOPWORDS and len(w) > 1]


def link_headline_quotes(records: Sequence[QuoteRecord]) -> list[tuple[int, int]]:
    """Pairs (headline index, body index) into ``records``: a headline quote and the body quote it condenses.

    Within one article (``doc_id``), a headline record (``in_headline``) is linked to the body record that holds
    most of its key words: at least 60% of them, or at least two of them when both records have the same
    (resolved) speaker. Each headline quote links to at most one body quote.
    """
    by_doc: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        by_doc[record.doc_id].append(index)
    links: list[tuple[int, int]] = []
    for indices in by_doc.values():
        heads = [i for i in indices if records[i].in_headline]
        bodies = [i for i in indices if not records[i].in_headline]
        if not heads or not bodies:
            continue
        persons = speaker_persons(name for name in (countable_speaker(records[i]) for i in indices) if name)
        body_words = {i: set(key_words(records[i].text)) for i in bodies}
        for h in heads:
            head_words = set(key_words(records[h].text))
            if not head_words:
                continue
            head_speaker = countable_speaker(records[h])
            best: tuple[float, int] | None = None
            for b in bodies:
                shared = len(head_words & body_words[b])
                if not shared:
                    continue
                share = shared / len(head_words)
                body_speaker = countable_speaker(records[b])
                same_speaker = (
                    head_speaker is not None
                    and body_speaker is not None
                    and persons.get(head_speaker, -1) >= 0
                    and persons.get(head_speaker) == persons.get(body_speaker)
                )
                if share >= 0.6 or (same_speaker and shared >= 2):
                    score = share + (0.5 if same_speaker else 0.0)
                    if best is None or score > best[0]:
                        best = (score, b)
            if best is not None:
                links.append((h, best[1]))
    return links


# ---------------------------------------------------------------------------------------------------- groups


@dataclass
class TraceItem:
    """A quote record with where it appeared: ``key`` identifies it (a store id, or a position), ``article`` the
    article (its store id or doc id: the tie-break for equal dates), and the article's outlet, title and URL."""

    record: QuoteRecord
    key: Hashable
    article: str | int
    outlet: str | None = None
    title: str | None = None
    url: str | None = None

    @property
    def date(self) -> str | None:
        return self.record.date


def _sort_key(item: TraceItem) -> tuple[int, str, int, str, int]:
    article = item.article
    number = article if isinstance(article, int) else 0
    return (item.date is None, item.date or "", number, str(article), item.record.start)


@dataclass
class Appearance:
    """One member of a group, in time order, with its diff against the group's reference."""

    item: TraceItem
    diff: VariantDiff
    is_reference: bool = False

    def to_dict(self) -> dict[str, Any]:
        record = self.item.record
        return {
            "key": self.item.key,
            "article": self.item.article,
            "doc_id": record.doc_id,
            "date": record.date,
            "outlet": self.item.outlet,
            "title": self.item.title,
            "url": self.item.url,
            "text": record.text,
            "kind": record.kind,
            "speaker": record.speaker,
            "speaker_type": record.speaker_type,
            "mention": record.mention,
            "in_headline": record.in_headline,
            "is_reference": self.is_reference,
            "diff": self.diff.to_dict(),
        }


@dataclass
class QuoteGroup:
    """The records of one utterance and what they tell: see ``build_group``."""

    appearances: list[Appearance]
    reference: int
    speakers: list[tuple[str, int]]
    persons: int
    misattribution: bool
    headline_links: list[tuple[Hashable, Hashable]] = field(default_factory=list)

    @property
    def first(self) -> Appearance:
        return self.appearances[0]

    @property
    def reference_text(self) -> str:
        return self.appearances[self.reference].item.record.text

    @property
    def outlets(self) -> list[str]:
        """Distinct outlets in order of first appearance."""
        return list(dict.fromkeys(a.item.outlet for a in self.appearances if a.item.outlet))

    @property
    def altered(self) -> list[Appearance]:
        return [a for a in self.appearances if a.diff.altered]

    def to_dict(self) -> dict[str, Any]:
        first = self.first.item
        return {
            "size": len(self.appearances),
            "reference_text": self.reference_text,
            "first": {
                "key": first.key,
                "article": first.article,
                "date": first.date,
                "outlet": first.outlet,
                "title": first.title,
                "url": first.url,
            },
            "outlets": self.outlets,
            "timeline": [
                {"date": a.item.date, "outlet": a.item.outlet, "article": a.item.article, "key": a.item.key}
                for a in self.appearances
            ],
            "speakers": [{"name": name, "count": count} for name, count in self.speakers],
            "misattribution": self.misattribution,
            "altered": len(self.altered),
            "headline_links": [{"headline": h, "body": b} for h, b in self.headline_links],
            "appearances": [a.to_dict() for a in self.appearances],
        }


def build_group(
    items: Sequence[TraceItem], headline_links: Iterable[tuple[Hashable, Hashable]] = ()
) -> QuoteGroup:
    """What a group of records of one utterance tells.

    - appearances in time order: earliest dated article first (undated last), ties by article key;
    - the reference: the earliest full form, i.e. the longest variant (in words) among the earliest-dated ones;
    - a word diff of every appearance against the reference (``word_diff``);
    - the speakers (resolved people and organisations) with counts, and ``misattribution`` when they are more than
      one person (a surname counts as the full name it fits: ``speaker_persons``).
    """
    ordered = sorted(items, key=_sort_key)
    earliest = ordered[0].date
    candidates = [i for i, item in enumerate(ordered) if item.date == earliest]
    reference = max(candidates, key=lambda i: (len(record_words(ordered[i].record)), -i))
    ref_text = traced_text(ordered[reference].record.text, ordered[reference].record.kind)
    appearances = []
    for i, item in enumerate(ordered):
        diff = word_diff(ref_text, traced_text(item.record.text, item.record.kind))
        appearances.append(Appearance(item, diff, is_reference=i == reference))
    names = [name for name in (countable_speaker(item.record) for item in ordered) if name]
    counts = Counter(names)
    persons = speaker_persons(counts)
    distinct = {number for number in persons.values() if number >= 0}
    keys = {item.key for item in ordered}
    links = [(h, b) for h, b in headline_links if h in keys or b in keys]
    return QuoteGroup(
        appearances=appearances,
        reference=reference,
        speakers=sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])),
        persons=len(distinct),
        misattribution=len(distinct) > 1,
        headline_links=links,
    )


def encode_items(
    items: Sequence[TraceItem], vocabulary: Vocabulary | None = None
) -> tuple[Encoded, dict[str, int]]:
    """The items as an ``Encoded`` (traced words, speaker person ids, kinds) and the speaker-name -> id map."""
    names = [countable_speaker(item.record) for item in items]
    persons = speaker_persons(name for name in names if name)
    speaker_ids = [persons.get(name, -1) if name else -1 for name in names]
    encoded = Encoded.build(
        (record_words(item.record) for item in items),
        speakers=speaker_ids,
        kinds=(KIND_CODES.get(item.record.kind, 0) for item in items),
        vocabulary=vocabulary,
    )
    return encoded, persons


def group_labels(items: Sequence[TraceItem], thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[int]:
    """A group label per item (equal labels: the same utterance)."""
    if not items:
        return []
    encoded, _ = encode_items(items)
    return [int(label) for label in group_encoded(encoded, thresholds)]


def group_items(
    items: Sequence[TraceItem],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    min_size: int = 1,
) -> list[QuoteGroup]:
    """Group the items (``group_labels``) and describe each group of at least ``min_size`` (``build_group``),
    largest first. Headline quotes are linked to the body quotes they condense (``link_headline_quotes``)."""
    labels = group_labels(items, thresholds)
    links = _headline_links(items)
    members: dict[int, list[TraceItem]] = defaultdict(list)
    for item, label in zip(items, labels, strict=True):
        members[label].append(item)
    groups = [build_group(group, links) for group in members.values() if len(group) >= min_size]
    groups.sort(key=lambda g: (-len(g.appearances), _sort_key(g.first.item)))
    return groups


def _headline_links(items: Sequence[TraceItem]) -> list[tuple[Hashable, Hashable]]:
    by_article: dict[str | int, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        by_article[item.article].append(index)
    links: list[tuple[Hashable, Hashable]] = []
    for indices in by_article.values():
        if not any(items[i].record.in_headline for i in indices):
            continue
        records = [items[i].record for i in indices]
        for h, b in link_headline_quotes(records):
            links.append((items[indices[h]].key, items[indices[b]].key))
    return links


def group_records(
    records: Sequence[QuoteRecord], outlets: Mapping[str, str] | None = None, *, min_size: int = 1
) -> list[QuoteGroup]:
    """Group plain records (keys are their positions, articles their ``doc_id``; ``outlets`` maps a doc_id to its
    outlet): the Python entry point for records from ``quotegraph extract``."""
    items = [
        TraceItem(record=record, key=index, article=record.doc_id, outlet=(outlets or {}).get(record.doc_id))
        for index, record in enumerate(records)
    ]
    return group_items(items, min_size=min_size)


def query_matches(query: str, record_text: str) -> float:
    """How well a user's query words fit a quote: the share of the query's words found in order in it."""
    q = [w for w in words(query) if w != ELLIPSIS]
    if not q:
        return 0.0
    text = [w for w in words(record_text) if w != ELLIPSIS]
    matcher = difflib.SequenceMatcher(None, q, text, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(q)


ProgressCallback = Callable[[str], None]

__all__ = [
    "Alignment",
    "Appearance",
    "DiffPiece",
    "Encoded",
    "QuoteGroup",
    "Thresholds",
    "Token",
    "TraceItem",
    "VariantDiff",
    "Vocabulary",
    "align",
    "build_group",
    "candidate_pairs",
    "components",
    "group_encoded",
    "group_items",
    "group_labels",
    "group_records",
    "index_keys",
    "link_headline_quotes",
    "same_utterance",
    "speaker_persons",
    "tokens",
    "traced_text",
    "verify_pairs",
    "word_diff",
    "words",
]
