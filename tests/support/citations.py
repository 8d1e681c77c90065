"""Every citation of a ruleset, and whether the cited lines say what the rule says.

A citation is a seed file and line ranges (``"84-115, 499"``):

* each ``[[sources]]`` entry of a ruleset (``seed``, ``lines``);
* every ``source_lines`` of a table anywhere in the ruleset's data (rows, category blocks,
  tables such as ``[kaztest]``), in the ruleset's first source's seed;
* every ``<prefix>source_lines`` (e.g. ``internship_source_lines``), likewise.

Each line range of a citation must exist in the seed and contain at least one of the
citation's key words or numbers (every range, so that a right range does not cover for a
wrong one beside it). They are:

* the explicit ``keywords`` beside the citation (``<prefix>keywords`` for a prefixed one;
  ``keywords`` in a ``[[sources]]`` entry): words or phrases of the seed, matched without
  regard to case, line breaks or runs of spaces;
* the numbers of the rule itself: every number of two characters or more among the table's
  values (``min = "5.0"``, ``months_abroad = 12``, ``min_correct = 105``; for a prefixed
  citation the values of its prefix; for a ``[[sources]]`` entry the ruleset's top-level
  values), matched as a whole number, a decimal comma read as a point ("3,00" is 3.00);
* for a ``[[sources]]`` entry, the parts of its ``section`` (split at ``;`` and ``:``).

A single-digit number is too common to identify a passage and is never derived; where a
rule's values are words, months or years, the citation names its key words explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.rules.ruleset import Ruleset

CITATION_SUFFIX = "source_lines"
KEYWORDS_SUFFIX = "keywords"
NOT_RULE_VALUES = {"notes"}
NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
UNITS = {  # how the seeds (Russian, Kazakh) write a count of ...
    "months": r"(?:месяц|мес\b|ай\b)",
    "years": r"(?:год|лет\b|жыл)",
    "days": r"(?:дн|день|күн)",
}
CEFR_LEVEL = re.compile(r"^[ABC][12]$")  # "B1": a language level, as certificates state it
RANGES = re.compile(r"^\s*\d+(?:\s*-\s*\d+)?(?:\s*,\s*\d+(?:\s*-\s*\d+)?)*\s*$")


@dataclass(frozen=True)
class Citation:
    """One citation: where in the ruleset, which seed and lines, what they must contain."""

    ruleset_id: str
    where: str  # e.g. "sources[0]", "rows[12]", "categories[1]", "kaztest", "internship_"
    seed: str
    lines: str
    keywords: tuple[str, ...]  # words of the seed, named beside the citation
    numbers: tuple[str, ...]  # numbers of the rule, from its own values

    def __str__(self) -> str:
        return f"{self.ruleset_id} {self.where}: {self.seed} lines {self.lines}"


def citations(ruleset: Ruleset) -> list[Citation]:
    """Every citation of the ruleset, its sources first, then its data in file order."""
    found = [
        Citation(
            ruleset.id,
            f"sources[{i}]",
            source.seed,
            source.lines,
            (*source.keywords, *_section_parts(source.section)),
            _unique(_numbers((k, v) for k, v in ruleset.data.items() if not _is_table(v))),
        )
        for i, source in enumerate(ruleset.sources)
        if source.lines
    ]
    main_seed = ruleset.sources[0].seed if ruleset.sources else ""
    found += _data_citations(ruleset.id, main_seed, ruleset.data, "")
    return found


def problems(citation: Citation, seed_text: Callable[[str], Sequence[str] | None]) -> list[str]:
    """What is wrong with the citation; ``seed_text(seed)`` gives the seed's lines, or None
    when the seed is not available."""
    lines = seed_text(citation.seed)
    if lines is None:
        return [f"{citation}: seed {citation.seed} is not among the test data (tests/data/seeds)"]
    if not RANGES.match(citation.lines):
        return [f"{citation}: {citation.lines!r} is not a list of line ranges like '84-115, 499'"]
    if not citation.keywords and not citation.numbers:
        return [f"{citation}: no key word or number to look for: add keywords = [...] beside it"]
    found = []
    for low, high in _ranges(citation.lines):
        if not 1 <= low <= high <= len(lines):
            found.append(f"{citation}: lines {low}-{high} are not in the seed ({len(lines)} lines)")
        elif not _mentions(lines[low - 1 : high], citation):
            words = [*citation.keywords, *citation.numbers]
            found.append(f"{citation}: lines {low}-{high} contain none of {words}")
    return found


def _data_citations(ruleset_id: str, seed: str, value: Any, where: str) -> Iterator[Citation]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _data_citations(ruleset_id, seed, item, f"{where}[{i}]")
        return
    if not isinstance(value, dict):
        return
    for key, lines in value.items():
        if key.endswith(CITATION_SUFFIX):
            prefix = key.removesuffix(CITATION_SUFFIX)
            keywords = value.get(prefix + KEYWORDS_SUFFIX, ())
            if isinstance(keywords, str):
                keywords = (keywords,)
            yield Citation(
                ruleset_id,
                f"{where or '(top level)'} {key}" if prefix else where,
                seed,
                str(lines),
                tuple(str(k) for k in keywords),
                _unique(_numbers(_rule_values(value, prefix))),
            )
    for key, item in value.items():
        yield from _data_citations(ruleset_id, seed, item, f"{where}.{key}" if where else key)


def _rule_values(table: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    """The values of the rule a citation in ``table`` stands for (not other cited tables)."""
    for key, value in table.items():
        cited_elsewhere = isinstance(value, dict) and any(
            str(k).endswith(CITATION_SUFFIX) for k in value
        )
        skipped = key.endswith((CITATION_SUFFIX, KEYWORDS_SUFFIX)) or key in NOT_RULE_VALUES
        if key.startswith(prefix) and not skipped and not cited_elsewhere:
            yield key, value


def _numbers(items: Iterable[tuple[str, Any]]) -> Iterator[str]:
    """Numbers and levels of two characters or more among the (key, value) pairs, nested
    tables included; a count of months, years or days (by its key's name) as "<n> months"
    etc., since the seeds write it with the unit ("9 месяцев", "12 ай")."""
    for key, value in items:
        if isinstance(value, dict):
            yield from _numbers(value.items())
        elif isinstance(value, list):
            yield from _numbers((key, v) for v in value)
        elif isinstance(value, bool | date):
            continue
        elif isinstance(value, int | float | str):
            text = str(value).strip()
            unit = next((u for u in UNITS if u in key), None)
            if unit and isinstance(value, int) and value > 0:
                yield f"{value} {unit}"
            elif NUMBER.match(text) and len(text) >= 2:
                yield text.replace(",", ".")
            elif CEFR_LEVEL.match(text):
                yield text


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _is_table(value: Any) -> bool:
    return isinstance(value, dict | list)


def _section_parts(section: str) -> Iterator[str]:
    for part in re.split(r"[;:]", section):
        part = part.strip(" \"'«»")
        if len(part) >= 4:
            yield part


def _ranges(cited: str) -> Iterator[tuple[int, int]]:
    for part in cited.split(","):
        low, _, high = part.strip().partition("-")
        yield int(low), int(high or low)


def _normalised(text: str) -> str:
    """Case, line breaks and runs of spaces do not matter; "3,00" reads as "3.00", and a
    level written with a Cyrillic letter ("В1", 001 line 102) as the Latin one."""
    text = re.sub(r"(?<=\d),(?=\d)", ".", text)
    text = re.sub(r"[АВС](?=[12]\b)", lambda m: "ABC"["АВС".index(m.group())], text)
    return re.sub(r"\s+", " ", text).casefold()


def _mentions(lines: Sequence[str], citation: Citation) -> bool:
    text = _normalised(" ".join(lines))
    if any(_normalised(k).strip() in text for k in citation.keywords if k.strip()):
        return True
    return any(re.search(_token(n), text) for n in citation.numbers)


def _token(value: str) -> str:
    """A number or level as a whole token: "35" is not found in "350", "35.5" or "135"."""
    number, _, unit = value.partition(" ")
    if unit:
        return rf"(?<![\d.]){number}\s*{UNITS[unit]}"
    before = r"(?<!\w)" if value[0].isalpha() else r"(?<![\d.])"
    return rf"{before}{re.escape(value.casefold())}(?!\w|\.\d)"


# --- citations in prose (docstrings) ----------------------------------------------------------

PROSE_CITATION = re.compile(
    r"\b(?P<seed>00\d)\b(?:\s+appendix\s+\d+,)?\s+(?:lines?\s+)?"
    r"(?P<lines>[1-9]\d*(?:\s*-\s*\d+)?(?:,\s*[1-9]\d*(?:\s*-\s*\d+)?)*)(?![\d.])"
)
# «anything» or "words with Cyrillic letters" (a plain "..." may be code or English)
QUOTED = re.compile(r"«([^«»]+)»|\"([^\"]*[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі][^\"]*)\"")
PROSE_COUNT = re.compile(r"(?<![\w.])(\d+)\s+(month|year|day)s?\b")
PROSE_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?|[ABC][12])(?!\w|[.,]\d)")


def prose_citations(text: str, where: str, seeds: Mapping[str, str]) -> list[Citation]:
    """Citations like "(001 lines 100-102)", "(000 68-69)" or "seed 004 appendix 2, lines
    228-306" in prose (a docstring); ``seeds`` maps a seed's number ("001") to its file.

    The key words are the text's quotations of the seed («...», or "..." with Cyrillic
    letters) and the numbers of the citation's paragraph: counts of months, years or days
    ("6 months"), numbers and levels of two characters or more ("105 of 150", "B1"), line
    numbers aside.
    """
    quoted = _unique(q.strip() for pair in QUOTED.findall(text) for q in pair if q.strip())
    found = []
    for paragraph in re.split(r"\n\s*\n", text):
        cited = list(PROSE_CITATION.finditer(paragraph))
        rest = QUOTED.sub(" ", PROSE_CITATION.sub(" ", paragraph))
        counts = [f"{n} {unit}s" for n, unit in PROSE_COUNT.findall(rest)]
        plain = PROSE_NUMBER.findall(PROSE_COUNT.sub(" ", rest))
        numbers = _unique([*counts, *(n.replace(",", ".") for n in plain if len(n) >= 2)])
        for match in cited:
            seed = seeds.get(match["seed"], f"{match['seed']} (no such seed)")
            found.append(Citation(where, "docstring", seed, match["lines"], quoted, numbers))
    return found
