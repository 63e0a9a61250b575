"""Word lists the rules share: reporting verbs, titles, anonymous-source nouns, person role nouns, gender."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

# Verbs that report speech or writing, by lemma. Belief verbs (think, believe) are kept apart: they report a
# state of mind, not a statement, and a quote tool that counts them as quotes misleads its readers.
SPEECH_VERBS = frozenset(
    """
    say tell add state claim argue contend insist maintain explain note warn admit acknowledge announce assert
    reply respond answer ask comment remark observe declare proclaim report reveal disclose confirm deny
    suggest propose recommend urge demand write tweet post blog predict promise pledge vow estimate allege
    complain concede confess boast brag joke quip laugh scoff sneer shout yell scream cry whisper mutter
    murmur exclaim reiterate repeat stress emphasize emphasise underline highlight point mention recall
    recount describe characterize characterise call dub label brand praise criticize criticise slam blast
    accuse condemn denounce decry lament bemoan agree disagree concur counter rebut retort caution advise
    inform notify testify swear affirm aver avow conclude continue elaborate clarify specify indicate signal
    hint imply speculate wonder dispute reject dismiss protest plead beg implore apologize apologise forecast
    assure reassure threaten instruct welcome hail applaud tout defend summarize summarise sum chime interject
    interrupt read rule find determine decide credit thank refer talk justify designate identify portray put
    """.split()
)

BELIEF_VERBS = frozenset(
    "think believe feel know hope fear expect doubt suspect reckon figure assume consider understand".split()
)

# Verbs that introduce a quote after a colon or as the next sentence but rarely take a that-clause.
SPEECH_ONLY_DIRECT = frozenset(
    "continue chime interject interrupt laugh joke quip cry talk refer justify designate identify portray put".split()
)

# Phrases whose head word alone is no cue ('point' needs 'out', 'go' needs 'on').
PARTICLE_VERBS = {"point": "out", "sum": "up", "chime": "in"}

# Verbs too vague to report speech unless their object or a colon says so ('read', 'rule', 'find').
WEAK_VERBS = frozenset("read rule find determine decide credit thank welcome defend".split())

TITLES = frozenset(
    """
    mr mrs ms miss mx dr prof sir dame lord lady rev reverend fr father sister brother rabbi imam sheikh
    president vice prime minister premier chancellor secretary senator sen rep representative congressman
    congresswoman governor gov mayor judge justice chief officer commissioner inspector detective sergeant sgt
    lieutenant lt captain capt major maj colonel col general gen admiral adm corporal cpl private pvt king queen
    prince princess duke duchess pope bishop archbishop cardinal ambassador councillor councilor councilman
    councilwoman chairman chairwoman chair ceo director attorney speaker leader coach professor doctor nurse
    mp mep mla msp mpp assemblyman assemblywoman delegate minister first lady superintendent commandant
    commander constable sheriff marshal
    """.split()
)

# Party and national adjectives that precede a name without being part of it ('Conservative MP Philip Hammond').
NAME_PREFIXES = frozenset(
    """
    conservative labour liberal democrat democratic republican green tory socialist independent former late
    then acting incoming outgoing deputy assistant associate senior junior u.s. us uk british american
    """.split()
)

# Writings whose author is the speaker: 'a statement by the ministry', 'the decree read: "..."'.
DOCUMENT_NOUNS = frozenset(
    "statement release post tweet letter report memo note message email decree proclamation ruling order "
    "filing complaint lawsuit affidavit advisory bulletin notice announcement communique op-ed column summary "
    "decision judgment judgement opinion verdict text sign banner caption".split()
)

# Verbs that report an order or a request: 'urged residents to evacuate' (content: the infinitive).
DIRECTIVE_VERBS = frozenset(
    "tell ask urge advise warn order instruct invite implore beg call appeal command direct request "
    "press pressure".split()
)

# Verbs that report evidence as often as speech: with a study or data as subject they quote nobody.
EVIDENTIAL_VERBS = frozenset("indicate suggest find show reveal determine conclude estimate predict signal".split())
NON_AGENT_NOUNS = frozenset(
    """study research data evidence result finding analysis figure statistic projection survey poll test
    experiment model simulation measurement observation trend record sample image footage video""".split()
)

# Verbs that name or describe rather than report: a quote after them is a quotation only with a real subject.
NAMING_VERBS = frozenset("call dub label brand name describe characterize characterise term refer".split())

# Nouns that name an unnamed source when no name goes with them.
ANONYMOUS_NOUNS = frozenset(
    """
    source sources insider insiders official officials person people aide aides adviser advisers advisor
    advisors friend friends confidant confidants someone somebody individual individuals employee employees
    staffer staffers member members witness witnesses resident residents observer observers spokesperson
    spokesman spokeswoman representative representatives diplomat diplomats executive executives authorities
    reports
    """.split()
)

# Phrases that always mark an anonymous source, however they are determined.
ANONYMOUS_PHRASES = (
    "familiar with",
    "close to",
    "with knowledge of",
    "who spoke on condition of anonymity",
    "who declined to be named",
    "who asked not to be named",
    "who did not want to be named",
    "speaking on condition of anonymity",
    "briefed on",
)

# Phrases that make the name beside them a pseudonym: the source stays anonymous ('a protester using the
# pseudonym Katya', 'Anna, not her real name').
PSEUDONYM_PHRASES = (
    "pseudonym",
    "not his real name",
    "not her real name",
    "not their real name",
    "identified only as",
    "identified only by",
    "who gave only",
)

ORG_NOUNS = frozenset(
    """
    ministry department agency government administration police company firm council committee office
    commission court authority board bureau service army military party union organization
    organisation group team club federation association institute university hospital embassy parliament
    congress senate house cabinet spokesperson fund bank regulator watchdog
    """.split()
)

PRONOUNS_MALE = frozenset({"he", "him", "his", "himself"})
PRONOUNS_FEMALE = frozenset({"she", "her", "hers", "herself"})
PRONOUNS_PLURAL = frozenset({"they", "them", "their", "theirs", "themselves"})
PRONOUNS_FIRST = frozenset({"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"})
PERSONAL_PRONOUNS = PRONOUNS_MALE | PRONOUNS_FEMALE | PRONOUNS_PLURAL

MALE_TITLES = frozenset({"mr", "sir", "lord", "king", "prince", "duke", "father", "brother", "congressman",
                         "councilman", "chairman", "fr"})
FEMALE_TITLES = frozenset({"mrs", "ms", "miss", "dame", "lady", "queen", "princess", "duchess", "sister",
                           "congresswoman", "councilwoman", "chairwoman"})


def _read_words(name: str) -> frozenset[str]:
    text = resources.files("quotegraph.resources").joinpath(name).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


# Names on both of coreferee's lists (which mix several countries) that English-language news uses for one
# gender far more often than the other.
_ENGLISH_USAGE = {
    "female": "karen maria andrea jean nicola simone michele michelle carol carmen ingrid kirsten "
              "laurence dominique claude vivian beverly lindsay kelly shannon tracy stacy leslie lesley "
              "ashley whitney courtney brooke paige sydney allison alexis morgan",
    "male": "luca nikita ryan dylan evan kyle chris",
}


@lru_cache(maxsize=1)
def first_name_genders() -> dict[str, str]:
    """First name (lower case) -> 'male' | 'female'; names on both lists are ambiguous unless English usage
    settles them."""
    female = _read_words("female_names.dat")
    male = _read_words("male_names.dat")
    genders = {name: "female" for name in female - male}
    genders.update({name: "male" for name in male - female})
    for gender, names in _ENGLISH_USAGE.items():
        for name in names.split():
            if name in female and name in male:
                genders[name] = gender
    # the project's own lists: short forms English news uses ('Greg', 'Bill') and names from South and East Asia,
    # the Arab world, Africa and Eastern Europe that coreferee's lists lack or give both genders ('Mohammed')
    genders.update({name: "male" for name in _read_words("extra_male_names.dat")})
    genders.update({name: "female" for name in _read_words("extra_female_names.dat")})
    return genders


# Family-name endings that carry gender in Slavic languages: 'Kowalska', 'Ivanova' / 'Kowalski', 'Ivanov'.
_SLAVIC_FEMALE_ENDINGS = ("ska", "cka", "dzka", "ová", "ova", "eva", "evna", "ovna")
_SLAVIC_MALE_ENDINGS = ("ski", "cki", "dzki", "ov", "ev", "ovich", "evich", "ovych")


def surname_gender(surname: str) -> str | None:
    """'female' for 'Kowalska' or 'Petrova', 'male' for 'Kowalski' or 'Petrov', else None."""
    word = surname.lower()
    if len(word) < 5:
        return None
    if word.endswith(_SLAVIC_FEMALE_ENDINGS):
        return "female"
    if word.endswith(_SLAVIC_MALE_ENDINGS):
        return "male"
    return None


@lru_cache(maxsize=1)
def gendered_nouns() -> dict[str, str]:
    """Role nouns with a gender ('actress', 'grandfather') -> 'male' | 'female'."""
    nouns = {w: "female" for w in _read_words("exclusively_female_words.dat")}
    nouns.update({w: "male" for w in _read_words("exclusively_male_words.dat")})
    return nouns


def is_reporting_lemma(lemma: str, include_beliefs: bool = False) -> bool:
    lemma = lemma.lower()
    return lemma in SPEECH_VERBS or (include_beliefs and lemma in BELIEF_VERBS)
