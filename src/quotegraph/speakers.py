"""Speakers: from a mention as written ('She', 'Mr. Thompson', 'a palace insider') to a canonical speaker.

No coreference library works offline here, so this is quotegraph's own in-article resolver:
- people are clustered by name: a full name introduces a person, later surnames, first names and titled forms
  ('Thompson', 'Mr. Thompson', 'Dana') join the full name they match;
- pronouns go to the nearest preceding person of compatible gender and number, preferring earlier speakers;
- descriptors ('the attorney', 'the former senator') go to the person the article described that way, or else to
  the most salient person of compatible gender;
- anonymous sources are typed (role, affiliation, number) and never pinned on a named person.
Every decision appends a line to the attribution's evidence.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from quotegraph.attribution import Attribution
from quotegraph.calibration import default_calibrator
from quotegraph.lexicon import (
    ANONYMOUS_NOUNS,
    ANONYMOUS_PHRASES,
    DOCUMENT_NOUNS,
    FEMALE_TITLES,
    MALE_TITLES,
    ORG_NOUNS,
    PRONOUNS_FEMALE,
    PRONOUNS_FIRST,
    PRONOUNS_MALE,
    PRONOUNS_PLURAL,
    NAME_PREFIXES,
    PSEUDONYM_PHRASES,
    TITLES,
    _read_words,
    first_name_genders,
    gendered_nouns,
    surname_gender,
)

_ORG_LABELS = ("ORG", "GPE", "NORP", "FAC")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
# titles that with 'of' and a place name one person: 'the Duchess of Sussex', 'the Prince of Wales'
_RANK_TITLES = frozenset(
    "duke duchess prince princess king queen earl countess baron baroness marquess viscount emir sultan".split()
)
_SPOKES = frozenset({"spokesman", "spokeswoman", "spokesperson", "representative", "statement", "release"})
# Nouns that refer back to whatever organization was just named: 'the office', 'the agency', 'the company'.
_GENERIC_ORG_NOUNS = frozenset("office organization organisation agency body company firm institution group".split())
# Groups whose words news gives to a study's lead author.
_TEAM_NOUNS = frozenset("researcher scientist team author study research".split())
# What a document holds: 'the hypothesis of the report', 'the findings of the study'.
_CONTENT_NOUNS = frozenset("hypothesis finding conclusion summary text wording".split())
# Verbs by which someone puts out a writing: 'Trump declared ...', 'issued a statement', 'numbers reported by AP'.
_ISSUING_VERBS = frozenset("issue release publish post sign declare proclaim announce confirm report write send make "
                           "order decree tweet share circulate compile provide".split())



@lru_cache(maxsize=1)
def person_nouns() -> frozenset[str]:
    return _read_words("person_words.dat")


@dataclass
class Person:
    name: str  # canonical: the fullest form seen
    parts: list[str]
    gender: str | None = None
    gender_weak: bool = True  # from name lists or nearby pronouns, which a later pronoun may overrule
    descriptors: set[str] = field(default_factory=set)
    first_char: int = 0
    mentions: list[int] = field(default_factory=list)  # character offsets where the person is named
    subject_mentions: set[int] = field(default_factory=set)  # those where the name is a clause's subject
    order: int = 0  # position in the article's list of people


@dataclass
class SpeakerContext:
    """What one article says about its people and organizations, shared by its headline and its body."""

    people: list[Person] = field(default_factory=list)
    anonymous_ids: dict[tuple[str | None, str | None], str] = field(default_factory=dict)
    last_anonymous: str | None = None
    org_names: list[str] = field(default_factory=list)  # the organizations named, fullest forms, in order
    org_aliases: dict[str, str] = field(default_factory=dict)  # lower-case alias -> canonical name
    org_mentions: list[tuple[int, str]] = field(default_factory=list)  # (char, canonical) in text order
    # indexes that keep name look-ups linear in the article's length: a word -> the people / organizations
    # whose names hold it, and initials -> organizations
    people_by_word: dict[str, list[Person]] = field(default_factory=dict)
    orgs_by_key: dict[str, set[str]] = field(default_factory=dict)

    def add_person(self, person: Person) -> None:
        person.order = len(self.people)
        self.people.append(person)
        self.index_person(person)

    def index_person(self, person: Person) -> None:
        for word in person.parts:
            bucket = self.people_by_word.setdefault(word.lower(), [])
            if person not in bucket:
                bucket.append(person)

    def _org_keys(self, name: str) -> set[str]:
        words = _org_words(name)
        keys = {"w:" + w for w in words}
        letters = name.replace(".", "")
        if letters.isupper() and 2 <= len(letters) <= 6:
            keys.add("i:" + letters.lower())
        if len(words) >= 2:
            keys.add("i:" + "".join(w[0] for w in words))
        return keys

    def _org_candidates(self, name: str) -> list[str]:
        found: set[str] = set()
        for key in self._org_keys(name):
            found |= self.orgs_by_key.get(key, set())
        order = {o: n for n, o in enumerate(self.org_names)}
        return sorted((o for o in found if o in order), key=order.__getitem__)

    def add_organization(self, name: str, acronym: str | None = None) -> str:
        """Register an organization named in the text; returns its canonical (fullest) name. 'WHO' joins
        'World Health Organization' by its initials or a '(WHO)' after it; 'State Department' joins 'United
        States Department of State' when its words are a subset of the longer name's."""
        key = name.lower()
        if key in self.org_aliases:
            canonical = self.org_aliases[key]
        else:
            candidates = self._org_candidates(name)
            canonical = next((o for o in candidates if _same_organization(name, o)), name)
            if canonical == name:
                # a fuller form of a name seen before replaces it as canonical
                shorter = [o for o in candidates if _same_organization(o, name)]
                if shorter:
                    self.org_names = [o for o in self.org_names if o not in shorter]
                self.org_names.append(name)
                for key in self._org_keys(name):
                    self.orgs_by_key.setdefault(key, set()).add(name)
                for alias, target in list(self.org_aliases.items()):
                    if target in shorter:
                        self.org_aliases[alias] = name
                for o in shorter:
                    self.org_aliases[o.lower()] = name
            self.org_aliases[key] = canonical
        if acronym:
            self.org_aliases[acronym.lower()] = canonical
        return canonical

    def organization(self, name: str) -> str:
        """The canonical form of an organization name (itself when unknown)."""
        return self.org_aliases.get(name.lower(), name)

    def organization_with_word(self, word: str, before: int) -> str | None:
        """The organization most recently named before ``before`` whose name holds ``word`` ('the court')."""
        word = word.lower()
        for char, name in reversed(self.org_mentions):
            if char < before and word in name.lower().split():
                return name
        return None

    def find_by_name(self, words: list[str]) -> Person | None:
        """The person a name form refers to: the full name itself, or a unique surname / first-name match.
        A title with a gender ('Mr. Thompson') keeps to people of that gender."""
        title_gender = _gender_of([], words[:1]) if words else None
        words = [w for w in words if w.lower().rstrip(".") not in TITLES]
        if not words:
            return None
        full = " ".join(words).lower()
        # every way a name form can match a person shares a word with the person's name
        people: list[Person] = []
        for word in words:
            for p in self.people_by_word.get(word.lower(), []):
                if p not in people:
                    people.append(p)
        people.sort(key=lambda p: p.order)
        for p in people:
            if p.name.lower() == full:
                return p
        if len(words) > 1:  # 'Wanda Vázquez' is 'Wanda Vázquez Garced': same first name, the rest within
            fuller = [p for p in people if len(p.parts) > len(words) and p.parts[0].lower() == words[0].lower()
                      and {w.lower() for w in words} <= {w.lower() for w in p.parts}]
            if len(fuller) == 1:
                return fuller[0]
            # and the other way round: 'Wanda Vázquez Garced' after 'Wanda Vázquez' is the same person
            shorter = [p for p in people if 1 < len(p.parts) < len(words) and p.parts[0].lower() == words[0].lower()
                       and {w.lower() for w in p.parts} <= {w.lower() for w in words}]
            if len(shorter) == 1:
                return shorter[0]
        last = _surname(words).lower()
        matches = [
            p for p in people
            if len(p.parts) > 1 and (
                last == _surname(p.parts).lower()
                or (len(words) == 1 and words[0].lower() == p.parts[0].lower())
            )
        ]
        if len(words) > 1:
            matches = [p for p in matches if words[0].lower() in (p.parts[0].lower(),) or len(words) == 1]
        if title_gender is not None:
            matches = [p for p in matches if p.gender in (None, title_gender)]
        if not matches and len(words) == 1:
            # 'Vázquez' for 'Wanda Vázquez Garced': a first family name, as Spanish and Portuguese names give two
            matches = [p for p in people if len(p.parts) >= 3 and words[0].lower() in (w.lower() for w in p.parts[1:-1])]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            # two people of one surname: news style gives the secondary one in full ('his wife, Dana Thompson'),
            # so a bare surname is the one named most often, then the one introduced first
            return max(matches, key=lambda p: (len(p.mentions), -p.first_char))
        return None


_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def _surname(parts: list[str]) -> str:
    """The family name of a name's words: 'Robert Downey Jr.' -> 'Downey'."""
    core = [w for w in parts if w.lower() not in _SUFFIXES] or parts
    return core[-1]


def _full_name_span(doc: Doc, ent: Span) -> Span:
    """The entity with the capitalised name words the small model left out before it ('Sadiq' of 'Sadiq Khan')."""
    start = ent.start
    while start > 0 and start > ent.start - 3:
        prev = doc[start - 1]
        if prev.pos_ != "PROPN" or not prev.is_title or prev.ent_type_ not in ("", "PERSON"):
            break
        if prev.lower_.rstrip(".") in TITLES or prev.lower_ in person_nouns():
            break
        start -= 1
    # 'Mayor of Koszalin Piotr Jedlinski': the model runs a place after 'of' into the name that follows it
    if start > 0 and doc[start - 1].lower_ == "of" and ent.end - start >= 3:
        names = first_name_genders()
        if doc[start].lower_ not in names and doc[start + 1].lower_ in names:
            start += 1
    # 'Wanda Vázquez Garced', 'Superintendent Graciano Mijares': the name word the model left out after it, which
    # the entity modifies as a compound
    end = ent.end
    while (end < len(doc) and end < ent.end + 2 and doc[end].pos_ == "PROPN" and doc[end].is_title
           and doc[end].ent_type_ in ("", "PERSON") and doc[end - 1].dep_ in ("compound", "flat")
           and doc[end - 1].head.i >= end):
        end += 1
    return doc[start:end]


def _clean_name(span: Span | list[Token], keep_title: bool = False) -> list[str]:
    words = [t.text for t in span if not t.is_punct or t.text in ("-", ".")]
    words = [_POSSESSIVE.sub("", w) for w in words if w not in ("'s", "’s")]
    while not keep_title and words and (
        words[0].lower().rstrip(".") in TITLES
        or words[0].lower() in NAME_PREFIXES
        or (len(words) > 2 and words[0].lower() in person_nouns())  # 'Broadcaster Piers Morgan'
    ):
        words = words[1:]
    while words and words[0].lower() == "the":
        words = words[1:]
    return [w for w in words if w and w != "."]


def _gender_of(words: list[str], title_words: list[str]) -> str | None:
    for w in title_words:
        w = w.lower().rstrip(".")
        if w in MALE_TITLES:
            return "male"
        if w in FEMALE_TITLES:
            return "female"
    if words:
        names = first_name_genders()
        # the first given name the lists know: 'Sayyid Ali Hosseini Khamenei' (an honorific first), 'Jean-Luc'
        for word in words[:-1] if len(words) > 1 else words:
            gender = names.get(word.lower()) or names.get(word.lower().split("-")[0])
            if gender is not None:
                return gender
        if len(words) > 1:
            return surname_gender(words[-1])
    return None


def names_from(doc: Doc, context: SpeakerContext) -> None:
    """Register the people a headline names, without mentions: the body's 'Sanders' then finds 'Bernie
    Sanders' of the headline, while salience still counts only what the body says."""
    for ent in doc.ents:
        if _is_person_entity(doc, ent):
            words = _clean_name(_full_name_span(doc, ent))
            if len(words) >= 2 and context.find_by_name(words) is None:
                context.add_person(Person(name=" ".join(words), parts=words, first_char=-1))


def build_context(
    doc: Doc, context: SpeakerContext | None = None, quoted: list[tuple[int, int]] | None = None
) -> SpeakerContext:
    """Cluster the PERSON names of ``doc`` into people (adding to ``context`` when given). ``quoted``: the
    character spans of direct quotes, where a lone word tagged as a name ('Bloody hell') introduces no one."""
    ctx = context or SpeakerContext()
    quoted_starts: list[tuple[int, int]] = []
    for start, end in sorted(quoted or []):  # nested quotes merged: disjoint spans for the bisect in _inside
        if quoted_starts and start < quoted_starts[-1][1]:
            quoted_starts[-1] = (quoted_starts[-1][0], max(end, quoted_starts[-1][1]))
        else:
            quoted_starts.append((start, end))
    for ent in doc.ents:
        if ent.label_ in ("ORG", "FAC") and not _is_person_entity(doc, ent):
            name, acronym = _organization_name(doc, ent)
            ctx.org_mentions.append((ent.start_char, ctx.add_organization(name, acronym)))
    ctx.org_mentions = [(char, ctx.organization(name)) for char, name in ctx.org_mentions]
    for ent in doc.ents:
        if not _is_person_entity(doc, ent):
            continue
        words = _clean_name(_full_name_span(doc, ent))
        if not words or not any(w[:1].isupper() for w in words):
            continue
        title_words = [doc[i].text for i in range(max(0, ent.start - 2), ent.start)] + [ent[0].text]
        person = ctx.find_by_name(words)
        in_quote = _inside(quoted_starts, ent.start_char)
        if person is None and len(words) == 1 and in_quote:
            continue
        if person is None or (len(words) > 1 and len(person.parts) > 1 and words[0].lower() != person.parts[0].lower()
                              and words[-1].lower() == person.parts[-1].lower() and len(words) >= 2):
            if person is not None and len(words) >= 2:
                person = None  # 'Mark Thompson' and 'Dana Thompson' are two people
            if person is None:
                person = Person(name=" ".join(words), parts=words, first_char=ent.start_char)
                ctx.add_person(person)
        elif len(words) > len(person.parts) and not in_quote:
            # the fullest form the article's own narration gives: 'Pedro R. Pierluisi Urrutia' inside a court's
            # quoted words does not rename 'Pedro Pierluisi'
            person.name, person.parts = " ".join(words), words
            ctx.index_person(person)
        person.mentions.append(ent.start_char)
        if ent.root.dep_ in ("nsubj", "nsubjpass"):
            person.subject_mentions.add(ent.start_char)
        if person.gender is None or person.gender_weak:
            titled = _gender_of([], title_words)
            if titled is not None:  # 'Mr.', 'Mrs.' outrank the name lists
                person.gender, person.gender_weak = titled, False
        if person.gender is None:
            person.gender = _gender_of(person.parts if len(person.parts) > 1 else [], [])
            person.gender = person.gender or _gender_from_pronouns(doc, ent)
            person.gender_weak = True
        _collect_descriptors(doc, ent, person)
    for person in ctx.people:  # later passes and a headline add mentions out of order: keep them sorted
        person.mentions.sort()
    # a role noun the article gave one person ('his wife, Dana Thompson') as a subject later ('His wife stood
    # beside him') is a mention of that person, for pronouns after it
    for tok in doc:
        if tok.dep_ in ("nsubj", "nsubjpass") and tok.pos_ == "NOUN":
            described = [p for p in ctx.people if tok.lemma_.lower() in p.descriptors]
            if len(described) == 1 and tok.idx not in described[0].mentions and tok.idx > described[0].first_char:
                described[0].mentions.append(tok.idx)
                described[0].mentions.sort()
                described[0].subject_mentions.add(tok.idx)
    # the small model tags some surnames ORG or GPE ('Bloomberg endorsed ...'): a name already known as a
    # person's is a mention of that person
    for ent in doc.ents:
        if ent.label_ in ("ORG", "GPE", "NORP", "PRODUCT") and len(ent) <= 2 and all(t.is_title for t in ent):
            named = ctx.find_by_name([t.text for t in ent])
            if named is not None and len(named.parts) >= len(ent) and ent.start_char not in named.mentions:
                named.mentions.append(ent.start_char)
                named.mentions.sort()
                if ent.root.dep_ in ("nsubj", "nsubjpass"):
                    named.subject_mentions.add(ent.start_char)
    # and leaves some out altogether ('Waseem appeared in a news conference'): a capitalised subject that is the
    # surname of exactly one person named in full
    for tok in doc:
        if tok.pos_ == "PROPN" and not tok.ent_type_ and tok.is_title and tok.dep_ in ("nsubj", "nsubjpass", "poss") \
                and tok.lower_ not in TITLES and not (quoted_starts and _inside(quoted_starts, tok.idx)):
            named = ctx.find_by_name([tok.text])
            if named is not None and len(named.parts) >= 2 and tok.idx not in named.mentions \
                    and tok.lower_ == _surname(named.parts).lower():
                insort(named.mentions, tok.idx)
                if tok.dep_ != "poss":
                    named.subject_mentions.add(tok.idx)
    return ctx


def _inside(spans: list[tuple[int, int]], char: int) -> bool:
    k = bisect_right(spans, (char, 10**12)) - 1
    return k >= 0 and spans[k][0] <= char < spans[k][1]


def _gender_from_pronouns(doc: Doc, ent: Span) -> str | None:
    """A name on both gender lists: the pronouns of the next two sentences usually settle it."""
    end = ent.sent.end
    nxt = doc[end].sent.end if end < len(doc) else end
    window = doc[ent.end : nxt]
    if any(t.ent_type_ == "PERSON" for t in window):
        return None  # another person in between: the pronoun may be theirs
    words = {t.lower_ for t in window if t.pos_ == "PRON" and t.dep_ in ("nsubj", "nsubjpass")}
    male, female = bool(words & PRONOUNS_MALE), bool(words & PRONOUNS_FEMALE)
    if male != female:
        return "male" if male else "female"
    return None


_ORG_STOP = frozenset("of the and for on in at to de".split())
_COUNTRY_FORMS = {"u.s.": "united states", "us": "united states", "u.k.": "united kingdom", "uk": "united kingdom"}


def _org_words(name: str) -> list[str]:
    words = [w.lower().strip(".,'’()") for w in name.split()]
    words = [_COUNTRY_FORMS.get(w, w) for w in words]
    return [part for w in words for part in w.split() if part and part not in _ORG_STOP]


_LOCATED = frozenset("embassy consulate office bureau branch mission delegation".split())
# Organizations whose names go on after 'of' with capitalised words: 'Ministry of Public Health and Health Care'.
_OF_NAMED = frozenset("ministry department office bureau institute school college university council commission "
                      "board agency authority centre center academy society association federation".split())


def _organization_name(doc: Doc, ent: Span) -> tuple[str, str | None]:
    """An organization's full name and acronym as the text gives them: 'the Supreme Court of Puerto Rico' (the
    model stops at 'Court'), 'the High Court of England and Wales', 'US Embassy in London', 'the National
    Hurricane Center (NHC)'."""
    end = ent.end
    text = ent.text
    acronym = None
    if "(" in text:  # the model sometimes swallows '(NHC'
        text, _, inside = text.partition("(")
        acronym = inside.strip(" )") or None
    else:
        linker = doc[end] if end < len(doc) else None
        if linker is not None and (linker.lower_ == "of" or (linker.lower_ == "in" and ent.root.lower_ in _LOCATED)):
            nxt = next((e for e in doc.ents if e.start in (end + 1, end + 2) and e.label_ in ("GPE", "ORG", "LOC")), None)
            if nxt is not None and (nxt.start == end + 1 or doc[end + 1].lower_ == "the"):
                end = nxt.end
                text = doc[ent.start : end].text
            elif linker.lower_ == "of" and ent.root.lower_ in _OF_NAMED:
                # 'the Bavarian State Ministry of Public Health and Health Care': capitalised words after 'of'
                k = end + 1
                last = None
                while k < len(doc) and k < end + 10 and (doc[k].is_title or doc[k].lower_ in ("and", "of", "for", "&")):
                    if doc[k].is_title and doc[k].ent_type_ not in ("GPE", "PERSON", "DATE"):
                        last = k
                    elif doc[k].is_title:
                        break
                    k += 1
                if last is not None:
                    end = last + 1
                    text = doc[ent.start : end].text
        # 'the High Court of England and Wales': a second place joined to the 'of' place
        if " of " in doc[ent.start : end].text and end + 1 < len(doc) and doc[end].lower_ == "and":
            follow = next((e for e in doc.ents if e.start == end + 1 and e.label_ in ("GPE", "ORG", "LOC")), None)
            if follow is not None and len(follow) <= 2 and all(t.is_title for t in follow):
                end = follow.end
                text = doc[ent.start : end].text
        # 'Coast Guard Commandant Admiral Elson Hermogino': a role word at the end of an organization that
        # modifies a person's name is the person's title
        if (ent.root.dep_ == "compound" and ent.root.head.pos_ == "PROPN" and len(ent) >= 2
                and ent[-1].lower_.rstrip(".") in TITLES and end == ent.end):
            text = doc[ent.start : ent.end - 1].text
        after = doc[end : end + 3]
        if len(after) == 3 and after[0].text == "(" and after[2].text == ")":
            acronym = after[1].text
    if acronym is not None and not acronym.replace(".", "").isupper():
        acronym = None
    return _strip_the(text.strip()), acronym


def _same_organization(short: str, long: str) -> bool:
    """``short`` names the same organization as ``long``: its initials, or a subset of its words."""
    if short.lower() == long.lower():
        return True
    long_words = _org_words(long)
    letters = short.replace(".", "")
    if letters.isupper() and 2 <= len(letters) <= 6 and len(long_words) >= 2:
        return letters.lower() == "".join(w[0] for w in long_words)
    short_words = _org_words(short)
    return len(short_words) >= 2 and len(short_words) < len(long_words) and set(short_words) <= set(long_words)


def _is_person_entity(doc: Doc, ent: Span) -> bool:
    """PERSON entities, less saints' names of places ('St Luke's'), plus the names the small model tags ORG or
    GPE although they start with a known first name ('tenant Grace Obi')."""
    first = ent[0].lower_.rstrip(".")
    if ent.root.dep_ == "compound" and ent.root.head.pos_ == "NOUN":
        return False  # 'the Oscar nominee', 'the Trump administration': a modifier, not a mention of someone
    if ent.label_ == "PERSON":
        possessive = ent[-1].lower_ in ("'s", "’s") or (ent.end < len(doc) and doc[ent.end].lower_ in ("'s", "’s"))
        return not (first in ("st", "saint") and possessive)
    if ent.label_ in ("ORG", "GPE", "NORP") and 2 <= len(ent) <= 3 and all(t.is_title for t in ent):
        return first in first_name_genders() and ent[-1].lower_ not in ORG_NOUNS
    if ent.label_ == "ORG" and len(ent) == 1 and ent[0].is_title and ent.root.dep_ == "appos":
        return first in first_name_genders()  # 'his wife, Amanda'
    return False


def _collect_descriptors(doc: Doc, ent: Span, person: Person) -> None:
    """Role nouns the article attaches to a person: 'attorney Karen Webb', 'Webb, an attorney', 'Webb is 58'."""
    for tok in ent:  # a title inside the entity: 'Pope Francis' is 'the Pope'
        if tok.lower_.rstrip(".") in TITLES and tok.i < ent.end - 1:
            person.descriptors.add(tok.lower_.rstrip("."))
        else:
            break
    i = ent.start - 1
    while i >= 0 and doc[i].pos_ in ("NOUN", "ADJ", "PROPN") and doc[i].ent_type_ != "PERSON" and ent.start - i <= 4:
        word = doc[i].lower_.rstrip(".")
        if doc[i].pos_ == "NOUN" or word in TITLES or word in person_nouns():
            person.descriptors.add(doc[i].lemma_.lower() if doc[i].pos_ == "NOUN" else word)
        i -= 1
    root = ent.root
    if root.dep_ == "appos" and root.head.pos_ == "NOUN":  # 'his wife, Dana Thompson'
        person.descriptors.add(root.head.lemma_.lower())
    for child in root.children:
        if child.dep_ == "appos":
            for t in child.subtree:
                if t.pos_ == "NOUN":
                    person.descriptors.add(t.lemma_.lower())
            if child.like_num:
                person.descriptors.add("year-old")
    if root.dep_ in ("nsubj",) and root.head.lemma_ == "be":
        for child in root.head.children:
            if child.dep_ == "attr":
                for t in child.subtree:
                    if t.pos_ == "NOUN":
                        person.descriptors.add(t.lemma_.lower())
    for word in person.descriptors.copy():
        g = gendered_nouns().get(word)
        if g and (person.gender is None or person.gender_weak):
            person.gender, person.gender_weak = g, False


def resolve_speakers(
    doc: Doc,
    attributions: list[Attribution],
    context: SpeakerContext | None = None,
    *,
    headline: bool = False,
) -> SpeakerContext:
    """Fill speaker, speaker_type, anonymous and about on each attribution, in text order. A headline is
    resolved with ``headline=True`` and the body's ``context``: everything the body says comes before it."""
    ctx = build_context(doc, context, quoted=[(a.start, a.end) for a in attributions if a.kind == "direct"])
    resolver = _Resolver(doc, ctx, attributions, headline)
    for a in attributions:
        if a.inherit_from is None:
            resolver.resolve(a)
            resolver.note_speaker(a)
    for a in attributions:  # inherited speakers after their donors are known
        if a.inherit_from is not None:
            donor = attributions[a.inherit_from]
            hops = 0
            while donor.inherit_from is not None and hops < 20:
                donor = attributions[donor.inherit_from]
                hops += 1
            a.speaker, a.speaker_type, a.anonymous = donor.speaker, donor.speaker_type, donor.anonymous
            if a.source is None:
                a.source, a.source_head = donor.source, donor.source_head
            if a.cue is None:
                a.cue = donor.cue
            a.evidence.append(f"speaker taken from the quote at {donor.start}")
            a.confidence = min(a.confidence, donor.confidence)
    for a in attributions:
        a.about = resolver.about(a)
    calibrator = default_calibrator()
    if calibrator is not None:
        calibrator.apply(doc, attributions)
    return ctx


class _Resolver:
    def __init__(self, doc: Doc, ctx: SpeakerContext, attributions: list[Attribution], in_headline: bool) -> None:
        self.doc = doc
        self.ctx = ctx
        self.attributions = attributions
        self.in_headline = in_headline
        # doc.ents (and Span.ents, which walks it) builds a Span per entity of the whole doc on every access: read
        # it once per article, not once per quote (per-quote reads made extraction quadratic; issue 9)
        self.ents = doc.ents
        self.ent_starts = [e.start for e in self.ents]
        self.ents_by_start = {e.start: e for e in self.ents}
        self.sentence_starts = [sent.start_char for sent in doc.sents]
        self.token_starts = [t.idx for t in doc]
        self.direct_spans = [(x.start, x.end) for x in attributions if x.kind == "direct"]
        self.person_index = {p.name: i for i, p in enumerate(ctx.people)}
        # every named mention, then every quote, in text order: (char, index into ctx.people)
        self.timeline = sorted((m, i) for i, p in enumerate(ctx.people) for m in p.mentions)
        self.speaker_events: dict[str, list[int]] = {}
        self.group_starts: list[int] = []
        self.group_speakers: list[Attribution] = []
        # attributions whose source was a document ('a statement said'), for a later 'It also stated'
        self.document_sources: list[tuple[int, Attribution]] = []
        self.lead_authors: dict[bool, Person | None] = {}
        # organizations named as a clause's subject, for 'it' and 'the office': (char, canonical name)
        self.org_subjects: list[tuple[int, str]] = []
        for ent in self.ents:
            if ent.label_ in ("ORG", "FAC") and ent.root.dep_ in ("nsubj", "nsubjpass") and not _is_person_entity(doc, ent):
                self.org_subjects.append((ent.start_char, ctx.organization(_organization_name(doc, ent)[0])))

    def ents_in(self, span: Span) -> list[Span]:
        """``span.ents`` (the entities wholly inside ``span``, as spaCy's Span.ents picks them), from the cache."""
        out = []
        i = bisect_left(self.ent_starts, span.start)
        while i < len(self.ents) and self.ents[i].end <= span.end:
            out.append(self.ents[i])
            i += 1
        return out

    def position(self, span: Span) -> int:
        """Where a mention sits for 'earlier than' tests: everything in the body precedes a headline's reader."""
        return 10**12 if self.in_headline else span.start_char

    def resolve(self, a: Attribution) -> None:
        if a.source is None:
            a.speaker_type = "unknown"
            a.confidence = min(a.confidence, 0.4)
            return
        span = self.doc.char_span(a.source[0], a.source[1], alignment_mode="expand")
        if span is None:
            return
        mention = span.text
        head = self.doc[a.source_head] if a.source_head is not None else span.root
        lower = head.lower_

        if lower in PRONOUNS_MALE | PRONOUNS_FEMALE:
            self.resolve_pronoun(a, span, "male" if lower in PRONOUNS_MALE else "female")
            return
        if lower in PRONOUNS_FIRST:
            a.speaker_type = "unknown"
            a.evidence.append(f"'{mention}' is the first person: the speaker is the writer or an interviewee")
            a.confidence *= 0.6
            return
        if head.text.isupper() and len(head.text) >= 2 and head.lower_ in self.ctx.org_aliases:
            org_name = self.ctx.organization(head.text)  # 'WHO said' after 'the World Health Organization (WHO)'
            a.speaker, a.speaker_type = org_name, "organization"
            a.evidence.append(f"'{mention}' -> '{org_name}' by its acronym")
            return
        author = self.document_author(head)
        if author is not None:  # 'a Twitter post by Amy Cook', 'the ministry's statement': the author speaks
            span, head = author
            a.evidence.append(f"'{mention}': a document; its author '{span.text}' is the speaker")
            mention = span.text
            lower = head.lower_
            if lower in PRONOUNS_MALE | PRONOUNS_FEMALE:
                self.resolve_pronoun(a, span, "male" if lower in PRONOUNS_MALE else "female")
                return
        elif self.is_document(head):
            self.document_sources.append((span.start_char, a))
            if self.team_lead(a, span, head) or self.unauthored_document(a, span, head):
                return
        person = self.person_in(span, head)
        if person is not None and not self.is_anonymous(span, head):
            a.speaker, a.speaker_type = person.name, "person"
            a.evidence.append(f"'{mention}' -> '{person.name}' by name")
            return
        if self.is_anonymous(span, head):
            self.anonymous(a, span, head)
            return
        titled = self.titled_person(head)
        if titled is not None:
            a.speaker, a.speaker_type = titled, "person"
            a.evidence.append(f"'{mention}' -> '{titled}': a title of rank with its place names a person")
            return
        if self.team_lead(a, span, head):
            return
        org = self.organization_in(span, head, allow_spokes=head.lemma_.lower() in _SPOKES)
        if org is not None:
            a.speaker, a.speaker_type = org, "organization"
            a.evidence.append(f"'{mention}' -> '{org}' as an organization")
            return
        if lower in PRONOUNS_PLURAL:
            self.resolve_plural(a, span)
            return
        if lower == "it":
            at = self.position(span)
            donor = next((x for c, x in reversed(self.document_sources) if c < at and x is not a), None)
            if donor is not None and donor.source is not None and (
                self.sentence_index(at) - self.sentence_index(donor.source[0]) <= 2
            ):  # 'according to a statement ... It also stated': the same document
                a.speaker, a.speaker_type, a.anonymous = donor.speaker, donor.speaker_type, donor.anonymous
                a.evidence.append(f"'it' -> the document quoted just before ({donor.speaker or donor.speaker_type})")
                a.confidence *= 0.8
                return
            named = next((n for c, n in reversed(self.org_subjects) if c < at), None)
            if named is not None and self.sentence_index(at) - self.sentence_index(
                    next(c for c, n in reversed(self.org_subjects) if c < at)) <= 3:
                a.speaker, a.speaker_type = named, "organization"
                a.evidence.append(f"'it' -> '{named}', the organization last named as a subject")
                a.confidence *= 0.85
                return
            named = next((n for c, n in reversed(self.ctx.org_mentions) if c < at), None)
            if named is not None:
                a.speaker, a.speaker_type = named, "organization"
                a.evidence.append(f"'it' -> '{named}', the organization named last")
                a.confidence *= 0.8
                return
        looks_like_name = head.pos_ == "PROPN" or (
            head.text[:1].isupper() and head.lower_ not in person_nouns() and head.pos_ == "NOUN"
            and head.lower_ not in ORG_NOUNS and not head.ent_type_
        )  # the small model tags some sentence-initial surnames as common nouns ('Lopez contends')
        if looks_like_name and head.ent_type_ not in _ORG_LABELS and not _all_titles(span):
            words = _clean_name(_name_chain(self.doc, head, span))
            words = [w for w in words if w[:1].isupper()] or words
            if words and len(words) <= 4:
                known = self.ctx.find_by_name(words)
                if known is not None:
                    a.speaker, a.speaker_type = known.name, "person"
                    a.evidence.append(f"'{mention}' -> '{known.name}' by name")
                    return
                a.speaker, a.speaker_type = " ".join(words), "person"
                a.evidence.append(f"'{mention}' taken as a name (proper noun, not in the entity list)")
                a.confidence *= 0.9
                if len(words) >= 2:  # later surnames find this person
                    self.ctx.add_person(Person(name=" ".join(words), parts=words, first_char=span.start_char,
                                               mentions=[span.start_char]))
                    self.person_index[" ".join(words)] = len(self.ctx.people) - 1
                return
        self.resolve_descriptor(a, span, head)

    def titled_person(self, head: Token) -> str | None:
        """'The Duchess of Sussex', 'the King of Jordan': a title of rank and its place name one person (the small
        model tags many of them ORG), named as the article writes it."""
        if head.lower_ not in _RANK_TITLES or not head.is_title:
            return None
        place = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        obj = next((g for g in place.children if g.dep_ == "pobj"), None) if place is not None else None
        if obj is None or obj.pos_ != "PROPN":
            return None
        return self.doc[head.i : obj.i + 1].text

    def person_in(self, span: Span, head: Token | None = None) -> Person | None:
        """The person a mention names: the name at its head or in apposition to it, before names it only
        mentions ('Schilling's son, Grant' is Grant; 'a spokesman for Mrs. Clinton' is not Clinton)."""
        ents = [e for e in self.ents_in(span) if _is_person_entity(self.doc, e)]

        def rank(ent: Span) -> int:
            if head is not None and ent.start <= head.i < ent.end:
                return 0
            if head is not None and ent.root.dep_ == "appos" and ent.root.head.i == head.i:
                return 1
            return 3 if ent.root.dep_ in ("poss", "pobj") else 2

        ents.sort(key=rank)
        if head is not None and ents and rank(ents[0]) >= 2 and head.pos_ != "PROPN":
            # only named in passing: the speaker is the unnamed head ('a spokesman for Mrs. Clinton',
            # 'the Oscar nominee')
            ents = []
        for ent in ents:
            before = self.doc[ent.start - 1] if ent.start > span.start else None
            title = [before.text] if before is not None and before.lower_.rstrip(".") in TITLES else []
            found = self.ctx.find_by_name(title + _clean_name(_full_name_span(self.doc, ent), keep_title=True))
            if found is not None:
                return found
        # the small model tags some surnames GPE or ORG: a known surname is a person all the same
        if head is not None and head.pos_ != "PROPN":
            return None
        end = head.i + 1 if head is not None else span.end
        words = _clean_name([t for t in self.doc[span.start : end] if t.pos_ == "PROPN"], keep_title=True)
        return self.ctx.find_by_name(words) if words else None

    def is_document(self, head: Token) -> bool:
        """A writing as the source: 'the report', 'a statement', 'official statements', 'the hypothesis of the
        report', 'numbers reported by AP'."""
        if head.pos_ == "PROPN" or head.ent_type_ in ("PERSON", "ORG"):
            return False
        if head.lemma_.lower() in DOCUMENT_NOUNS:
            return True
        return head.lemma_.lower() in _CONTENT_NOUNS and any(
            c.dep_ == "prep" and c.lower_ == "of" and any(g.lemma_.lower() in DOCUMENT_NOUNS | _TEAM_NOUNS
                                                          for g in c.children) for c in head.children)

    def document_author(self, head: Token) -> tuple[Span, Token] | None:
        """For a document as speaker ('a statement by X', 'X's letter'), the author's phrase and head."""
        if head.pos_ in ("NOUN", "PROPN") and head.lemma_.lower() not in DOCUMENT_NOUNS:
            # 'numbers reported by The Associated Press': what a named source put out
            for c in head.children:
                if c.dep_ == "acl" and c.tag_ == "VBN" and c.lemma_.lower() in _ISSUING_VERBS:
                    agent = next((g for g in c.children if g.dep_ == "agent"), None)
                    obj = next((g for g in agent.children if g.dep_ == "pobj"), None) if agent is not None else None
                    if obj is not None:
                        return self.doc[obj.left_edge.i : obj.i + 1], obj
            return None
        if head.lemma_.lower() not in DOCUMENT_NOUNS:
            return None
        # 'a statement by X', 'X's statement', and 'the decree signed by the Pope', 'a memo posted by X'
        children = list(head.children) + [g for c in head.children if c.dep_ == "acl" for g in c.children]
        for child in children:
            if child.dep_ == "agent":
                obj = next((g for g in child.children if g.dep_ == "pobj"), None)
                if obj is not None:
                    return self.doc[obj.left_edge.i : obj.i + 1], obj
            if child.dep_ == "poss" and child.lower_ not in ("its", "their"):
                return self.doc[child.left_edge.i : child.i + 1], child
            if child.dep_ == "prep" and child.lower_ in ("by", "from"):
                obj = next((g for g in child.children if g.dep_ == "pobj"), None)
                if obj is not None:
                    return self.doc[obj.left_edge.i : obj.i + 1], obj
        # 'the Supreme Court decision', 'an AEW press release', 'the NHC advisory': the author as a modifier
        for child in head.children:
            if child.dep_ == "compound" and child.i < head.i and (child.ent_type_ in ("ORG", "PERSON", "GPE")
                                                                  or (child.pos_ == "PROPN" and child.is_title)):
                first = child.left_edge.i
                while first < child.i and self.doc[first].lower_ in ("the", "a", "an"):
                    first += 1
                return self.doc[first : child.i + 1], child
        # 'Sean Conley issued a statement saying ...': the one who issued it
        if head.dep_ == "dobj" and head.head.lemma_.lower() in _ISSUING_VERBS:
            subject = next((c for c in head.head.children if c.dep_ == "nsubj"), None)
            if subject is not None and subject.pos_ in ("PROPN", "NOUN", "PRON") and subject.lower_ not in ("it", "this"):
                return self.doc[subject.left_edge.i : subject.i + 1], subject
        return None

    def unauthored_document(self, a: Attribution, span: Span, head: Token) -> bool:
        """A document whose author the phrase does not give. 'the report', 'The proclamation': the one the
        article last showed issuing something ('the ministry confirmed ...', 'Trump declared ...'); 'a statement
        posted to his account', 'official statements': an unnamed source."""
        det = next((c.lower_ for c in head.children if c.dep_ == "det"), None)
        at = self.position(span)
        if det in ("the", "this", "that") and head.tag_ == "NN":
            found = self.recent_issuer(at)
            if found is not None:
                name, kind = found
                a.speaker, a.speaker_type = name, kind
                a.evidence.append(f"'{span.text}': a document; '{name}' issued it, as the article said before")
                a.confidence *= 0.7
                return True
            return False
        if det in ("a", "an", None) and not any(c.dep_ == "poss" for c in head.children):
            a.speaker, a.speaker_type = None, "anonymous"
            key = (head.lemma_.lower(), None)
            if key not in self.ctx.anonymous_ids:
                self.ctx.anonymous_ids[key] = f"anon-{len(self.ctx.anonymous_ids) + 1}"
            a.anonymous = {"role": head.lemma_.lower(), "affiliation": None, "plural": head.tag_ == "NNS",
                           "source_id": self.ctx.anonymous_ids[key]}
            a.evidence.append(f"'{span.text}': a document whose issuer the article does not name")
            return True
        return False

    def recent_issuer(self, at: int, sentences: int = 6) -> tuple[str, str] | None:
        """The subject of the latest main clause before ``at`` whose verb issues something ('declared',
        'confirmed', 'published'), as a person or organization."""
        limit = self.sentence_index(at) - sentences
        for tok in reversed(self.doc[: bisect_left(self.token_starts, at)]):
            if self.sentence_index(tok.idx) < limit:
                break
            if tok.lemma_.lower() not in _ISSUING_VERBS or tok.pos_ != "VERB" or not (
                tok.dep_ == "ROOT" or (tok.dep_ == "conj" and tok.head.dep_ == "ROOT")
            ):
                continue
            subject = next((c for c in tok.children if c.dep_ == "nsubj"), None)
            if subject is None or any(s <= subject.idx < e for s, e in self.direct_spans):
                continue
            ent = next((e for e in self.ents if e.start <= subject.i < e.end), None)
            sub = self.doc[min(subject.left_edge.i, ent.start) if ent is not None else subject.left_edge.i
                           : ent.end if ent is not None else subject.i + 1]
            person = self.person_in(sub, subject)
            if person is not None:
                return person.name, "person"
            org = self.organization_in(sub, subject)
            if org is not None and (subject.ent_type_ in _ORG_LABELS or any(e.label_ in ("ORG",) for e in self.ents_in(sub))):
                return org, "organization"
        return None

    def team_lead(self, a: Attribution, span: Span, head: Token) -> bool:
        """'the researchers', 'the study', 'a team from ...': a study's words are its lead author's, when the
        article names the authors ('lead author X', 'a project between X and Y')."""
        lemma = head.lemma_.lower()
        target = head
        if lemma in _CONTENT_NOUNS:  # 'the hypothesis of the report'
            target = next((g for c in head.children if c.dep_ == "prep" and c.lower_ == "of" for g in c.children
                           if g.dep_ == "pobj"), head)
        word = target.lemma_.lower()
        if word not in _TEAM_NOUNS and word not in ("report", "paper"):
            return False
        if target.pos_ == "PROPN" or target.ent_type_:
            return False
        strict = word in ("report", "paper")
        if strict not in self.lead_authors:  # the same answer for every team mention of the article
            self.lead_authors[strict] = self.lead_author(strict=strict)
        lead = self.lead_authors[strict]
        if lead is None:
            return False
        a.speaker, a.speaker_type = lead.name, "person"
        a.evidence.append(f"'{span.text}' -> '{lead.name}': a study's words, given to its lead author")
        a.confidence *= 0.7
        return True

    def lead_author(self, strict: bool = False) -> Person | None:
        """The person the article names as a study's lead author: 'lead author X' first, then 'co-author' or
        'researcher X', then the first person named in a sentence about the study ('a project between X and Y')."""
        best: tuple[int, int, Person] | None = None
        for person in self.ctx.people:
            for m in person.mentions:
                tier = self.author_tier(m)
                if tier is None or (strict and tier > 1):
                    continue
                key = (tier, m)
                if best is None or key < best[:2]:
                    best = (tier, m, person)
        return best[2] if best is not None else None

    def author_tier(self, char: int) -> int | None:
        span = self.doc.char_span(char, char + 1, alignment_mode="expand")
        if span is None:
            return None
        tok = span[0]
        sent = tok.sent
        window = [t.lower_ for t in self.doc[max(sent.start, tok.i - 6) : tok.i]]
        after = [t.lower_ for t in self.doc[tok.i + 1 : min(sent.end, tok.i + 8)]]
        near = window + after[:4]
        if "author" in near or "authors" in near:
            return 0 if "lead" in near or "co-lead" in near or "first" in near else 1
        if any(w in ("researcher", "scientist", "investigator") for w in window[-3:]):
            return 1
        if any(t.lemma_.lower() in ("study", "paper", "research", "project", "team") for t in sent if t.pos_ == "NOUN"):
            first = next((e for e in self.ents_in(sent) if _is_person_entity(self.doc, e)), None)
            if first is not None and first.start <= tok.i < first.end + 1:
                return 2
        return None

    def is_anonymous(self, span: Span, head: Token) -> bool:
        text = span.text.lower()
        if any(p in text for p in PSEUDONYM_PHRASES):
            return True  # 'a protester using the pseudonym Katya': the name is not the person's
        if head.pos_ != "PROPN" and head.ent_type_ != "PERSON" and any(p in text for p in ANONYMOUS_PHRASES):
            return True
        if head.lower_ not in ANONYMOUS_NOUNS and head.lemma_.lower() not in ANONYMOUS_NOUNS:
            return False
        if head.pos_ == "PROPN" or head.ent_type_ in ("ORG", "PERSON", "WORK_OF_ART"):
            return False  # 'Business Insider' is a publication
        if any(e.label_ == "PERSON" for e in self.ents_in(span)):
            return False
        if head.lemma_.lower() in _SPOKES and self.organization_in(span, head, allow_spokes=True):
            return False  # a company spokesperson speaks for the company, on the record
        det = next((c.lower_ for c in head.children if c.dep_ in ("det", "poss")), None)
        if det in ("the", "this", "that") and head.lemma_.lower() not in ("source", "insider"):
            return False  # 'the official' points back at someone named
        return True

    def anonymous(self, a: Attribution, span: Span, head: Token) -> None:
        if head.pos_ == "PROPN":  # 'a student using the pseudonym Mei': the role is the noun, not the pseudonym
            head = next((t for t in span if t.pos_ == "NOUN"), head)
        role = head.lemma_.lower()
        if role == "people" or role == "person":
            role = "person"
        affiliation = None
        for ent in self.ents_in(span):
            if ent.label_ in _ORG_LABELS:
                affiliation = ent.text
        if affiliation is None:
            described = {t.i for c in head.children if c.dep_ in ("relcl", "acl", "appos") for t in c.subtree}
            for t in span:
                if t.i in described:
                    continue  # 'who spoke on condition of anonymity' says how, not for whom
                if t.i != head.i and t.dep_ in ("compound", "pobj", "amod") and t.pos_ in ("NOUN", "PROPN"):
                    if t.lower_ not in ("matter", "situation", "talks", "discussions", "case", "anonymity"):
                        affiliation = t.text
                        break
        plural = head.tag_ in ("NNS", "NNPS") or head.lower_ in ("people", "sources", "officials")
        det = next((c.lower_ for c in head.children if c.dep_ in ("det", "poss")), None)
        if det in ("our", "the", "this", "that") and self.ctx.last_anonymous is not None and affiliation is None:
            source_id = self.ctx.last_anonymous  # 'our source' is the insider met before
            a.evidence.append(f"'{span.text}' refers back to the anonymous source {source_id}")
        else:
            key = (role, affiliation.lower() if affiliation else None)
            if key not in self.ctx.anonymous_ids:
                self.ctx.anonymous_ids[key] = f"anon-{len(self.ctx.anonymous_ids) + 1}"
            source_id = self.ctx.anonymous_ids[key]
        self.ctx.last_anonymous = source_id
        a.speaker, a.speaker_type = None, "anonymous"
        a.anonymous = {"role": role, "affiliation": affiliation, "plural": plural, "source_id": source_id}
        a.evidence.append(f"'{span.text}' is an unnamed source (role {role}, affiliation {affiliation or 'none'})")

    def organization_in(self, span: Span, head: Token, allow_spokes: bool = False) -> str | None:
        head_is_person = head.lemma_.lower() in person_nouns() and head.lemma_.lower() not in _SPOKES
        # the head's own entity first
        ents = sorted(self.ents_in(span), key=lambda e: 0 if e.start <= head.i < e.end else 1)
        if head.pos_ == "PROPN" and head.is_title and not head.ent_type_ and not any(
            e.start <= head.i < e.end for e in ents
        ) and head.lower_.rstrip(".") not in TITLES and head.lemma_.lower() not in ORG_NOUNS:
            # '..., San Diego's chancellor, Pradeep Khosla', 'Cardinal Marc Ouellet of the Holy See': a name the
            # model missed; the organization is a modifier
            return None
        for ent in ents:
            if ent.label_ == "NORP" and ent.root.i != head.i:
                continue  # 'the Polish archbishop' is a person, not Poland
            if ent.root.dep_ == "pobj" and ent.root.head.lower_ in ("in", "at", "from", "across", "near", "around"):
                continue  # 'hospital staff in Leeds' speak, not Leeds
            if _is_person_entity(self.doc, ent):
                continue
            if ent.label_ in _ORG_LABELS and not (head_is_person and head.i not in range(ent.start, ent.end)):
                name = _organization_name(self.doc, ent)[0] if ent.label_ in ("ORG", "FAC") else _strip_the(ent.text)
                if len(name.split()) == 1 and name.lower() in ORG_NOUNS:
                    # 'the Court' after 'the Supreme Court of Puerto Rico': the one named before
                    named = self.ctx.organization_with_word(name, self.position(span))
                    if named is not None:
                        return named
                return self.ctx.organization(name)
        lemma = head.lemma_.lower()
        if lemma in ORG_NOUNS or (allow_spokes and any(t.lemma_.lower() in ORG_NOUNS for t in span)):
            org_tok = head if lemma in ORG_NOUNS else next(t for t in span if t.lemma_.lower() in ORG_NOUNS)
            det = next((c.lower_ for c in org_tok.children if c.dep_ == "det"), None)
            if det in ("the", "this") and org_tok.pos_ == "NOUN":
                named = self.ctx.organization_with_word(org_tok.text, self.position(span))
                if named is not None:  # 'the court' after 'the Supreme Court of the United Kingdom'
                    return named
                if org_tok.lemma_.lower() in _GENERIC_ORG_NOUNS:
                    at = self.position(span)
                    last = next(((c, n) for c, n in reversed(self.org_subjects) if c < at), None)
                    if last is not None and self.sentence_index(at) - self.sentence_index(last[0]) <= 2:
                        return last[1]  # 'The office asked ...' after 'The United States Embassy in Iraq had ...'
            words = [t.text for t in org_tok.subtree if t.dep_ not in ("det", "punct", "relcl", "appos")
                     and t.i >= span.start and t.i < span.end]
            return _strip_the(" ".join(words)) if words else None
        return None

    def resolve_pronoun(self, a: Attribution, span: Span, gender: str) -> None:
        """The nearest preceding person of the pronoun's gender; earlier speakers and subjects first."""
        if self.in_headline:  # 'Mayor Slams Council as She Says ...': the headline's own subject first
            subject = self.earlier_subject(span)
            if subject is not None:
                self.resolve_via_subject(a, span, subject)
                return
        best = self.salient_person(self.position(span), gender, speaker=True)
        if best is None:
            subject = self.earlier_subject(span)
            if subject is not None:
                self.resolve_via_subject(a, span, subject)
                return
            a.speaker_type = "unknown"
            a.evidence.append(f"'{span.text}': no earlier person of matching gender")
            a.confidence *= 0.6
            return
        _, person, distance, as_subject = best
        a.speaker, a.speaker_type = person.name, "person"
        how = "gender match" if person.gender == gender else "gender unknown"
        if person.gender is None:  # what the pronoun says of the person holds for the pronouns after it
            person.gender, person.gender_weak = gender, True
        role = "subject or speaker" if as_subject else "mentioned"
        when = "in the same sentence" if distance == 0 else f"{distance} sentence(s) before"
        a.evidence.append(f"'{span.text}' -> '{person.name}' by pronoun: {how}, {role} {when}")
        a.confidence *= 0.92 if person.gender == gender else 0.8

    def salient_person(
        self, at: int, gender: str, exclude: str | None = None, speaker: bool = False
    ) -> tuple[float, Person, int, bool] | None:
        """The person a third-person pronoun at ``at`` most likely stands for: (score, person, sentences back,
        whether last seen as a subject or speaker)."""
        best: tuple[float, Person, int, bool] | None = None
        for person in self.recent_people(at):
            if person.name == exclude or (person.gender not in (None, gender) and not person.gender_weak):
                continue
            event = self.last_event(person, at)
            if event is None:
                continue
            char, as_subject = event
            distance = self.sentence_index(at) - self.sentence_index(char)
            # salience: recent sentences first, subjects and speakers over other mentions, a known gender
            # over an unknown one, and a name-list guess against the pronoun last; characters break ties
            fit = 0.0 if person.gender == gender else 1.2 if person.gender is None else 3.5
            score = distance + (0.0 if as_subject else 0.6) + fit + (at - char) * 1e-7
            if speaker and distance == 0 and not as_subject:
                # 'In an interview with Dawn, she said': a speaking pronoun is not someone its own sentence has
                # just named as an object
                score += 2.5
            if best is None or score < best[0]:
                best = (score, person, distance, as_subject)
        return best

    def note_speaker(self, a: Attribution) -> None:
        """Remember a resolved speaker: later pronouns weigh where people spoke, 'they' the last group."""
        if a.speaker and a.source is not None:
            insort(self.speaker_events.setdefault(a.speaker, []), a.source[0])
            index = self.person_index.get(a.speaker)
            if index is not None:
                insort(self.timeline, (a.source[0], index))
        if a.speaker_type in ("organization", "anonymous"):
            self.group_starts.append(a.start)
            self.group_speakers.append(a)

    def last_event(self, person: Person, at: int) -> tuple[int, bool] | None:
        """The latest place before ``at`` where the person was named or quoted, and whether as a subject."""
        events = []
        k = bisect_left(person.mentions, at)
        if k > 0:
            m = person.mentions[k - 1]
            events.append((m, m in person.subject_mentions))
        spoke = self.speaker_events.get(person.name, [])
        k = bisect_left(spoke, at)
        if k > 0:
            events.append((spoke[k - 1], True))
        return max(events, default=None)

    def recent_people(self, at: int, sentences: int = 30) -> list[Person]:
        """The people named or quoted in the ``sentences`` sentences before ``at``: a pronoun looks no further,
        which keeps resolution linear in the article's length."""
        limit_sentence = self.sentence_index(at) - sentences
        seen: dict[int, Person] = {}
        k = bisect_left(self.timeline, (at, -1))
        while k > 0:
            k -= 1
            char, index = self.timeline[k]
            if self.sentence_index(char) < limit_sentence:
                break
            seen.setdefault(index, self.ctx.people[index])
            if len(seen) == len(self.ctx.people):
                break
        return list(seen.values())

    def sentence_index(self, char: int) -> int:
        if char >= 10**12:  # a headline: after all of the body
            return len(self.sentence_starts)
        return bisect_right(self.sentence_starts, char)

    def resolve_via_subject(self, a: Attribution, span: Span, subject: Token) -> None:
        """The pronoun stands for an earlier subject of its sentence: resolve that one instead."""
        a.evidence.append(f"'{span.text}' -> '{subject.text}', the subject before it")
        sub_span = self.doc[subject.left_edge.i : subject.i + 1]
        named = self.person_in(sub_span, subject)
        if named is not None:
            a.speaker, a.speaker_type = named.name, "person"
            a.evidence.append(f"'{subject.text}' -> '{named.name}' by name")
        else:
            self.resolve_descriptor(a, sub_span, subject, allow_bare=True)

    def earlier_subject(self, span: Span) -> Token | None:
        """A non-pronoun subject earlier in the pronoun's own sentence."""
        quoted = self.direct_spans
        before = [t for t in self.doc[span.sent.start : span.start] if not any(s <= t.idx < e for s, e in quoted)]
        for tok in before:
            if tok.dep_ == "nsubj" and tok.pos_ in ("NOUN", "PROPN"):
                return tok
        for tok in before:  # headlines parse badly: a leading title or role noun will do
            if tok.pos_ in ("NOUN", "PROPN") and (tok.lower_ in TITLES or tok.lower_ in person_nouns()):
                return tok
        return None

    def resolve_plural(self, a: Attribution, span: Span) -> None:
        k = bisect_left(self.group_starts, span.start_char)
        donor = self.group_speakers[k - 1] if k > 0 else None
        if donor is not None and donor is not a:
            a.speaker, a.speaker_type, a.anonymous = donor.speaker, donor.speaker_type, donor.anonymous
            a.evidence.append(f"'{span.text}' -> the previous group speaker by plural pronoun")
            a.confidence *= 0.75
        else:
            a.speaker_type = "unknown"
            a.confidence *= 0.6

    def resolve_descriptor(self, a: Attribution, span: Span, head: Token, allow_bare: bool = False) -> None:
        """'the attorney', 'the former senator', 'the 58-year-old': the person the article described so."""
        noun = head.lemma_.lower()
        at = self.position(span)
        earlier = [p for p in self.ctx.people if p.mentions and min(p.mentions) < at]
        # 'the local health minister' is not 'Civil Aviation Minister X': the noun modifiers must fit too
        modifiers = {c.lemma_.lower() for c in head.children if c.dep_ == "compound" and c.pos_ == "NOUN"}
        described = [p for p in earlier if (noun in p.descriptors or any(t.lemma_.lower() in p.descriptors for t in span))
                     and modifiers <= p.descriptors]
        plural = head.tag_ in ("NNS", "NNPS")
        if described and not plural:
            person = max(described, key=lambda p: max(m for m in p.mentions if m < at))
            a.speaker, a.speaker_type = person.name, "person"
            a.evidence.append(f"'{span.text}' -> '{person.name}' by descriptor '{noun}' given earlier")
            a.confidence *= 0.85
            return
        is_person_noun = noun in person_nouns() or "-year-old" in span.text or head.lower_ in gendered_nouns()
        det = next((c.lower_ for c in head.children if c.dep_ == "det"), None)
        if is_person_noun and (plural or (modifiers and det == "the")):
            # 'the public officials who ordered the change', 'the local health minister' (no one named so): an
            # unnamed source, never the article's main person
            self.anonymous(a, span, head)
            return
        if is_person_noun and det == "the" and earlier:
            gender = gendered_nouns().get(noun)
            candidates = [p for p in earlier if gender is None or p.gender in (None, gender)]
            if candidates:
                # the most prominent person so far: most often named, then most recent
                person = max(candidates, key=lambda p: (len([m for m in p.mentions if m < at]), max(p.mentions)))
                a.speaker, a.speaker_type = person.name, "person"
                a.evidence.append(f"'{span.text}' -> '{person.name}': epithet for the article's main person")
                a.confidence *= 0.6
                return
        a.speaker_type = "person" if is_person_noun or allow_bare else "unknown"
        a.evidence.append(f"'{span.text}' could not be resolved to a name")
        a.confidence *= 0.6

    def about(self, a: Attribution) -> list[str]:
        """Who or what the quote is about: the people and organizations it names, the people its third-person
        pronouns point at ('he', 'her'), and people it names by relation ('his wife' -> the wife named earlier).
        The speaker is left out, except when an indirect quote reports the speaker on themself."""
        found: list[str] = []
        span = self.doc.char_span(a.start, a.end, alignment_mode="expand")
        if span is None:
            return found

        def add(name: str | None) -> None:
            if name and name not in found and name != a.speaker:
                found.append(name)

        for tok in span:
            ent = self.ents_by_start.get(tok.i)
            if ent is not None:
                if _is_person_entity(self.doc, ent):
                    words = _clean_name(_full_name_span(self.doc, ent))
                    named = self.ctx.find_by_name(words)
                    add(named.name if named else " ".join(words))
                elif ent.label_ in ("ORG", "GPE", "NORP"):
                    add(_strip_the(ent.text))
            elif tok.lower_ in PRONOUNS_MALE | PRONOUNS_FEMALE and not tok.ent_type_:
                gender = "male" if tok.lower_ in PRONOUNS_MALE else "female"
                salient = self.salient_person(tok.idx, gender, exclude=a.speaker if a.kind == "direct" else None)
                add(salient[1].name if salient else None)
            elif tok.pos_ == "NOUN" and any(c.dep_ == "poss" for c in tok.children):
                described = [p for p in self.ctx.people if tok.lemma_.lower() in p.descriptors]
                if len(described) == 1:  # 'his wife', when the article named one wife
                    add(described[0].name)
        return found


def _name_chain(doc: Doc, head: Token, span: Span) -> list[Token]:
    """The proper-noun words that end at ``head`` inside ``span``: 'Pradeep Khosla' of 'University of
    California, San Diego's chancellor, Pradeep Khosla', 'Crystal C'Bearing' of 'Crystal C'Bearing of the tribal
    office'."""
    start = head.i
    while start - 1 >= span.start and doc[start - 1].pos_ == "PROPN" and doc[start - 1].dep_ in ("compound", "nmod"):
        start -= 1
    end = head.i + 1
    while end < span.end and doc[end].pos_ == "PROPN" and doc[end].head.i == head.i and doc[end].dep_ in ("flat", "compound"):
        end += 1
    return list(doc[start:end]) if head.pos_ == "PROPN" else list(span)


def _all_titles(span: Span) -> bool:
    """'the Pope', 'the President': a title alone names no one; the person it stands for is found otherwise."""
    words = [t for t in span if not t.is_punct and t.lower_ not in ("the", "a", "an")]
    return bool(words) and all(t.lower_.rstrip(".") in TITLES for t in words)


def _strip_the(text: str) -> str:
    text = _POSSESSIVE.sub("", text.strip())
    return text[4:] if text.lower().startswith("the ") else text
