"""Facts that survive a rewrite: figures, money, percentages, dates and the dateline.

Two retellings of one story share almost no 5-word phrase but keep "$5.7 million", "10,000",
"mid-September" and "SACRAMENTO". Two reports poured into one template keep every phrase but change
these. Facts come back as short canonical strings ("money:5.7e6", "num:10000", "pct:4.4", ...).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import compress
from typing import Any

from dedup._util.memo import Memo

__all__ = [
    "counts_at",
    "counts_in_tokens",
    "dateline",
    "facts",
    "numeric_facts",
    "numeric_facts_at",
    "roundable",
    "rounded_match",
    "scan_facts",
]

_SCALE = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mln": 1e6, "m": 1e6, "mn": 1e6,
    "billion": 1e9, "bln": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tln": 1e12,
}  # fmt: skip
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "hundred": 100, "a": 1, "an": 1,
}  # fmt: skip
_WORD_NUMBER = (
    r"(?P<word>\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty"
    r"|fifty|hundred|an?)(?=\s(?:thousand|million|mln|billion|bln|trillion)\b))"
)
_DIGITS = r"(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?:[- ](?P<fn>\d{1,2})/(?P<fd>\d{1,2}))?"
# A scale word may follow a hyphen ("$38-million", as North American papers print it); a letter
# may not ("the 100-m race").
_TAIL = (
    r"(?:(?:\s?|-(?=(?:thousand|million|mln|billion|bln|trillion)\b))"
    r"(?P<scale>thousand|million|mln|billion|bln|trillion|tln|bn|mn|[mbk])\b)?"
    r"(?:\s?(?P<pct>%|percent\b|per cent\b|pct\b))?"
    r"(?:\s?(?P<unit>dollars|dlrs|pounds|stg|euros|yen)\b)?"
)
# Figures in digits are everywhere; spelled amounts ("two billion dlrs") only matter before a scale
# word, so that slower pattern runs only on texts that have one.
# The lookahead only lets the engine skip, without backtracking, positions where no figure starts.
_NUMBER = re.compile(rf"(?=[$£€¥#\d]|\s\d)(?P<cur>[$£€¥#])?\s?{_DIGITS}{_TAIL}", re.IGNORECASE)
_SPELLED = re.compile(rf"(?P<cur>[$£€¥])?\s?{_WORD_NUMBER}{_TAIL}", re.IGNORECASE)
# Spelled amounts are looked for only where a scale word follows a space (a fast scan of the
# lower-cased text), instead of trying the spelled pattern at every position.
_SCALE_WORD = re.compile(r"\s(?:thousand|million|mln|billion|bln|trillion)\b")
# `_NUMBER`'s matches by one `finditer`: opening with a plain character class (the digit or sign a
# figure starts with), the pattern is tried only where the engine's fast scan finds one, where
# `_NUMBER`'s lookahead is tried everywhere. Past that first digit a number needs two digits fewer.
# Where `_NUMBER` starts at the whitespace before a digit, this starts at the digit with the empty
# group matched (no match ends in whitespace, so that one is never in the match before). The tail's
# lookaheads, implied by their groups, only make a group that cannot match fail at once.
_FIGURE_BODY = (
    r"(?:(?<=\s\d)()|(?<=\d)|\s?\d)(?:\d{0,2}(?:,\d{3})+|\d*)(?:\.\d+)?(?:[- ]\d{1,2}/\d{1,2})?"
    r"(?:(?:\s?|-(?=(?:thousand|million|mln|billion|bln|trillion)\b))"
    r"(?=[tmbk])(?:thousand|million|mln|billion|bln|trillion|tln|bn|mn|[mbk])\b)?"
    r"(?:\s?(?=[%p])(?:%|percent\b|per cent\b|pct\b))?"
    r"(?:\s?(?=[dpsey])(?:dollars|dlrs|pounds|stg|euros|yen)\b)?"
)
_FIGURE = re.compile(rf"[$£€¥#\d]{_FIGURE_BODY}", re.IGNORECASE)
# The same on ASCII text: this class is a bitmap, tested faster than one holding the category \d.
_FIGURE_ASCII = re.compile(rf"[$£€¥#0-9]{_FIGURE_BODY}", re.IGNORECASE)
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTH_WORDS = frozenset({
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul", "july",
    "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november", "dec", "december",
})  # fmt: skip
_DATELINE = re.compile(r"^\W{0,3}(?P<place>[A-Z][A-Z.'\- ]{2,40}?)(?:,|\s*\(|\s+-|\s+—)")
_SMALL = 10


def _number_fact(m: re.Match[str]) -> str | None:
    if "word" in m.re.groupindex and m.group("word"):
        value = float(_WORDS[m.group("word").lower()])
    else:
        value = float(m.group("num").replace(",", "") + (m.group("frac") or ""))
        if m.group("fd") and int(m.group("fd")):
            # Wire prices and rates are quoted in fractions: 7-1/4 pct, 5-15/16.
            value += int(m.group("fn")) / int(m.group("fd"))
    scale = m.group("scale")
    if scale:
        value *= _SCALE[scale.lower()]
    if m.group("pct"):
        return f"pct:{value:g}"
    if _currency(m) or m.group("unit"):
        return f"money:{value:.4g}"
    # Small bare integers ("two of the 5 suspects") are too common to tell stories apart.
    if value < _SMALL and not m.group("frac") and not scale and not m.group("fd"):
        return None
    return f"num:{value:.6g}"


def _currency(m: re.Match[str]) -> bool:
    """A currency sign before the figure. British wire copy in 7-bit code (ISO 646-GB, as PA sent it)
    prints the pound sign as '#': "#2.9 million", "#55,000", "#200". Before a bare number under ten
    ("#1 single", "#3 seed") a '#' still means "number"."""
    cur = m.group("cur")
    if cur != "#":
        return bool(cur)
    return bool(m.group("frac") or m.group("scale") or int(m.group("num").replace(",", "")) >= _SMALL)


def _figure_fact(figure: str) -> str | None:
    """`_number_fact` of the `_NUMBER` match whose text from its digit or sign is `figure`. That text
    fixes the groups: `_NUMBER` reads past a match only in a `\\b` after a letter, and one at the
    match's end held in the text too (the match ends in that letter: in a word and its `\\b`)."""
    m = _NUMBER.match(figure)
    return _number_fact(m) if m else None


def _figure_day(figure: str) -> int | None:
    """`_day` of the `_NUMBER` match whose text is `figure` (as in `_figure_fact`)."""
    m = _NUMBER.match(figure)
    return _day(m) if m else None


# Wire copy repeats its figures ("1986", "mln dlrs", "pct") across thousands of stories.
_FACT_MEMO = Memo(_figure_fact, 1 << 16, name="figure_facts")
_DAY_MEMO = Memo(_figure_day, 1 << 16, name="figure_days")


def _month_before(text: str, start: int) -> str | None:
    """The month word ("Sept.", "april") ending, with only spaces after it, right before `start`."""
    if not start or text[start - 1] in _NO_MONTH_BEFORE:
        return None
    return _MONTH_MEMO[text[max(0, start - 13) : start]]


def _month_ending(key: str) -> str | None:
    """`_month_before` from the 13 characters before `start` (all of them, nearer the text's start):
    the month word within the last 12, and the character before it."""
    skip = 1 if len(key) == 13 else 0
    head = key[skip:].rstrip()
    if head.endswith("."):
        head = head[:-1]
    i = len(head)
    while i and head[i - 1].isalpha():
        i -= 1
    word = head[i:].lower()
    if word not in _MONTH_WORDS:
        return None
    before = skip + i - 1
    # The month must be a whole word ("Omar 5" is not "mar 5").
    return word if before < 0 or not (key[before].isalnum() or key[before] == "_") else None


# Figures recur after the same words: `_month_before` looks up the only characters it reads.
_MONTH_MEMO = Memo(_month_ending, 1 << 16, name="month_endings")
# ASCII characters no month word ends before (all but whitespace, '.' and the letters month words
# end in): most figures follow one, and skip the lookup.
_MONTH_ENDS = frozenset(word[-1] for word in _MONTH_WORDS) | {"."}
_NO_MONTH_BEFORE = frozenset(c for c in map(chr, range(128)) if not c.isspace() and c.lower() not in _MONTH_ENDS)


def _day(m: re.Match[str]) -> int | None:
    num = m.group("num")
    whole = len(num) <= 2 and not m.group("frac") and not m.group("fd")
    return int(num) if whole and not m.group("scale") and not m.group("pct") else None


def scan_facts(text: str) -> tuple[list[tuple[int, str]], set[str]]:
    """(offset, fact) of every figure in `text` in order, and its month-day dates, in one pass."""
    out: list[tuple[int, str]] = []
    dates: set[str] = set()
    # Inlined `_month_before` and `_FACT_MEMO` lookups: this loop runs for every figure of every text.
    memo, days, months, no_month = _FACT_MEMO, _DAY_MEMO, _MONTH_MEMO, _NO_MONTH_BEFORE
    for m in (_FIGURE_ASCII if text.isascii() else _FIGURE).finditer(text):
        at, figure, spaced = m.start(), m[0], m.lastindex
        if spaced:
            at -= 1  # `_NUMBER` starts this figure at the whitespace before it
        if at and text[at - 1] not in no_month:
            month = months[text[at - 13 if at > 13 else 0 : at]]
            if month is not None:
                # The day of a date ("April 15") is a date fact, not a figure.
                day = days[figure] if spaced else None
                if day is not None:
                    dates.add(f"date:{month[:3]}-{day}")
                continue
        fact = memo[figure]
        if fact:
            out.append((at, fact))
    spelled = _spelled(text)
    if spelled:
        out.extend(spelled)
        out.sort()
    return out, dates


# A piece of every scale word, with where the words holding it start before it: "illion" is in
# million, billion (1 before) and trillion (2); "ln" in mln and bln. Three scans instead of six.
_SCALE_CORES = (("illion", (1, 2)), ("ln", (1,)), ("thousand", (0,)))


def _scale_hits(low: str) -> list[int]:
    """Starts of the `_SCALE_WORD` matches in `low` that follow a letter (those a spelled number can
    precede), in order. Each is tried where a piece of a scale word is found by substring search:
    every match starts at one of these places, so these are all of them. Several times faster than
    the pattern's own scan."""
    found = set()
    for core, backs in _SCALE_CORES:
        j = low.find(core, 2)
        while j != -1:
            for back in backs:
                i = j - back
                if i >= 2 and low[i - 2].isalpha() and _SCALE_WORD.match(low, i - 1):
                    found.add(i - 1)
            j = low.find(core, j + 1)
    return sorted(found)


def _spelled(text: str) -> list[tuple[int, str]]:
    """(offset, fact) of amounts spelled out before a scale word ("two billion dlrs")."""
    low = text.lower()
    if len(low) != len(text):
        # Lower-casing moved offsets (rare non-ASCII letters): try the pattern everywhere.
        matches = list(_SPELLED.finditer(text))
    else:
        matches = []
        # A hit after anything but a letter has no number word before it.
        for hit in _scale_hits(low):
            at = hit
            while at > 0 and hit - at < 8 and low[at - 1].isalpha():
                at -= 1
            word = low[at:hit]
            if word in _WORDS and (at == 0 or not low[at - 1].isalnum()):
                m = next(filter(None, (_SPELLED.match(text, p) for p in range(max(0, at - 2), at + 1))), None)
                if m is not None and (not matches or m.start() >= matches[-1].end()):
                    matches.append(m)
    found = ((m.start(), _number_fact(m)) for m in matches if _month_before(text, m.start()) is None)
    return [(at, fact) for at, fact in found if fact]


_COUNT_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
}  # fmt: skip
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10,
}  # fmt: skip
# Tokens that can be a count: small numbers spelled out, ordinals, and numbers of one or two digits
# (with an ordinal suffix or without): token -> (value, is ordinal).
_COUNT_TOKENS: dict[str, tuple[int, bool]] = {
    **{w: (v, False) for w, v in _COUNT_WORDS.items()},
    **{w: (v, True) for w, v in _ORDINAL_WORDS.items()},
    "one": (1, False),
    **{f"{n}": (n, False) for n in range(100)},
    **{f"{n:02d}": (n, False) for n in range(10)},
    **{f"{n}{sfx}": (n, True) for n in range(100) for sfx in ("st", "nd", "rd", "th")},
}
_COUNT_SET = frozenset(_COUNT_TOKENS)
# token -> (value, is ordinal, its fact when no month comes before it): none for "one" ("one of
# them": a pronoun far more often than a count) or larger bare figures (those are "num:" facts).
_COUNT_FACTS = {
    tok: (value, ordinal, None if tok == "one" or not (ordinal or value < 10 or not tok.isdecimal())
          else f"{'ord' if ordinal else 'count'}:{value}")
    for tok, (value, ordinal) in _COUNT_TOKENS.items()
}  # fmt: skip
_WORDISH = re.compile(r"\w+(?:['’.,&]\w+)*")
_FIGURE_JOINS = "0123456789.,/-"


def counts_at(text: str) -> list[tuple[int, str]]:
    """(offset, fact) of the small numbers `scan_facts` leaves out, in order: counts ("six cts",
    "3 cts", "two years" -> "count:6"), ordinals ("fourth quarter", "4th" -> "ord:4") and month-day
    dates with their offsets ("April Three", "April 3" -> "date:apr-3").

    Too common to tell stories apart on their own, they still tell two lines of one form apart:
    "Shr six cts vs two cts" and "Shr 30 cts vs three cts" are other news.
    """
    found = [(m.start(), m.end(), m.group().lower()) for m in _WORDISH.finditer(text)]
    return counts_in_tokens(text, [t for *_, t in found], [(a, b) for a, b, _ in found])


def counts_in_tokens(text: str, tokens: Sequence[str], spans: Any) -> list[tuple[int, str]]:
    """`counts_at` over a text already split into lower-cased tokens; `spans[i]` is token i's
    (start, end) in `text` (a list of pairs, or an (n, 2) array: only the few hits are read)."""
    out: list[tuple[int, str]] = []
    months, no_month = _MONTH_MEMO, _NO_MONTH_BEFORE  # `_month_before`, inlined as in `scan_facts`
    # The few tokens that can be counts are picked out in C (one set test a token), not in a loop.
    for i in compress(range(len(tokens)), map(_COUNT_SET.__contains__, tokens)):
        row = spans[i]
        start = int(row[0])
        # A piece of a larger figure ("7-1/4", "2.5", "1,000") has its canonical form in `scan_facts`.
        if start and text[start - 1] in _FIGURE_JOINS:
            continue
        end = int(row[1])
        if end + 1 < len(text) and text[end] in ".,/-" and text[end + 1].isdecimal():
            continue
        value, ordinal, fact = _COUNT_FACTS[tokens[i]]
        # A number after a month is its day ("April 3"); an ordinal ("May fourth") stays an ordinal.
        if not ordinal and start and text[start - 1] not in no_month:
            month = months[text[start - 13 if start > 13 else 0 : start]]
            if month is not None:
                out.append((start, f"date:{month[:3]}-{value}"))
                continue
        if fact is not None:
            out.append((start, fact))
    return out


_ROUNDED_FROM = 10_000


# Cached: verification tests each figure of one text against each of another's (`rounded_match`),
# so the same figure is measured again for every pair its text is in.
@lru_cache(maxsize=1 << 16)
def mantissa_digits(fact: str) -> int:
    """Significant digits a canonical figure was printed with ("num:1.35e+07" 3, "num:226653" 6)."""
    body = fact.split(":", 1)[1].split("e")[0].replace(".", "").lstrip("-0")
    return len(body.rstrip("0")) if "e" in fact or "." in fact else len(body)


def roundable(fact: str) -> bool:
    """Whether `rounded_match` can pair `fact` with any figure, on either side: a "num:" or "money:"
    figure of two significant digits or more, of 10,000 or more."""
    kind, _, value = fact.partition(":")
    if kind not in ("num", "money") or mantissa_digits(fact) < 2:
        return False
    try:
        return not float(value) < _ROUNDED_FROM
    except ValueError:
        return True  # left to `rounded_match` itself


def rounded_match(coarse: str, fine: str) -> bool:
    """True when `fine` printed to the precision of `coarse` gives `coarse`: "Net 13.5 mln" and
    "Net 13,555,000" are one figure, rounded (or cut) for a second release of the same results.

    Only amounts of 10,000 or more are rounded so (prices and rates are quoted exactly: 50 cts is
    not 50.75 cts); `coarse` needs two significant digits or more ("2 bln" is not "2.5 bln"), and
    both must be figures of one kind ("num:" or "money:").
    """
    kind, _, _ = coarse.partition(":")
    if kind not in ("num", "money") or not fine.startswith(kind + ":"):
        return False
    digits = mantissa_digits(coarse)
    if digits < 2 or mantissa_digits(fine) <= digits:
        return False
    x, y = float(coarse.split(":", 1)[1]), float(fine.split(":", 1)[1])
    if x < _ROUNDED_FROM or y < _ROUNDED_FROM:
        return False
    unit = 10.0 ** (math.floor(math.log10(x)) - digits + 1)
    return abs(y - x) < unit * (1 + 1e-9)


def numeric_facts_at(text: str) -> list[tuple[int, str]]:
    """(offset, fact) of every figure in `text`, in order (one pass, for bucketing by sentence)."""
    return scan_facts(text)[0]


def numeric_facts(text: str) -> set[str]:
    """Figures, money and percentages in `text`, canonicalised so "$5.7 million" == "$5.7m"."""
    return {fact for _, fact in numeric_facts_at(text)}


def dateline(text: str) -> str | None:
    """The upper-case place name that opens a wire story ("SACRAMENTO, Calif. —"), if any."""
    m = _DATELINE.match(text.lstrip("( \n"))
    if not m:
        return None
    place = m.group("place").strip(" .-")
    return place.casefold() if len(place) >= 3 else None


def facts(text: str, found: tuple[list[tuple[int, str]], set[str]] | None = None) -> set[str]:
    """All facts of `text`: figures, money, percentages, month-day dates and the dateline.

    `found`, when given, is what `scan_facts(text)` returned (saves a pass).
    """
    numbers, dates = found if found is not None else scan_facts(text)
    out = {fact for _, fact in numbers} | dates
    place = dateline(text)
    if place:
        out.add(f"dateline:{place}")
    return out
