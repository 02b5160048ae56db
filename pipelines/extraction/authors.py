"""Authors' names from the strings a page offers, and which of them are people.

- :func:`split_authors`: a byline into names. Split on separators ("A, B; C", "A/B",
  "A 、B") and "and" in the languages of the sources ("Von A und B"); what precedes a name
  ("By", "Von", "Par", "文/", "作者：") and a role before or after it ("记者 李静怡",
  "Jane Doe, Staff Writer", "김민수 기자") removed, with e-mail addresses, links, an agency
  credited after a person ("Jane Doe | Reuters") and a place a Chinese byline reports from
  ("／台北報導"). Names that a Chinese role word introduces are apart when spaced
  ("记者 王小明 李华").
- :func:`is_agency`, :func:`is_staff`: a news agency ("dpa", "新华社") or an editorial
  team ("MND Staff", "BR24 Redaktion", "编辑部"): credited, never taken for a person.
- :func:`looks_like_name`: what a name printed on the page looks like (two to four
  capitalised words, or two to four Han or Hangul characters), for the weaker evidence.

The words are :mod:`pipelines.extraction.vocabulary`'s.
"""

from __future__ import annotations

import re

from pipelines.extraction import vocabulary
from pipelines.extraction.jsonld import clean

__all__ = ["is_agency", "is_staff", "looks_like_name", "split_authors"]

_HAN = r"\u3400-\u9fff\uf900-\ufaff"
_CJK = re.compile(rf"[{_HAN}\u3040-\u30ff\uac00-\ud7af]")
_SEPARATORS = re.compile(r"\s*(?:;|\||｜|,|，|、|/|／|\s&\s|\s\+\s)\s*")
_REPORTS_FROM = re.compile(rf"^[{_HAN}]{{1,6}}(?:报道|報導|报导|報道|电|電|讯|訊)$")
_BRACKETS = " \t.,:;-–—()[]（）【】〔〕「」<>《》\"'“”"
_PARTICLES = {
    "van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "des", "la", "le",
    "bin", "al", "el", "y", "dos", "das", "ter", "ten", "zu", "door",
}  # fmt: skip


def _without_by(text: str) -> str:
    """*text* without the word that opens a byline ("By", "Von:", "文/"), unless it is the
    particle of a surname ("Di Stefano", "Von Trier"; "Von APA" credits an agency)."""
    match = vocabulary.pattern("by").match(text)
    if not match:
        return text
    rest = text[match.end() :]
    particle = match.group().strip().casefold() in _PARTICLES
    if particle and len(rest.split()) == 1 and rest[:1].isupper() and not is_agency(rest):
        return text
    return rest


def _strip_words(name: str) -> str:
    """*name* without a prefix ("By", "文/"), a role before or after it, and brackets."""
    previous = None
    while previous != name:
        previous = name
        name = name.strip(_BRACKETS)
        name = _without_by(name)
        name = vocabulary.pattern("role_before").sub("", name)
        name = vocabulary.pattern("role_after").sub("", name)
    return name + ")" if name.count("(") > name.count(")") else name


def _parts(text: str) -> list[str]:
    """*text* split at separators and "and" words; names a Chinese role word introduces,
    spaced, are apart ("记者 王小明 李华")."""
    parts = []
    for chunk in _SEPARATORS.split(text):
        for part in vocabulary.pattern("and").split(chunk):
            han_role = vocabulary.pattern("role_before").match(part.strip())
            rest = _strip_words(part)
            if (
                han_role
                and _CJK.search(han_role.group())
                and re.fullmatch(rf"[{_HAN}]{{2,4}}(?:\s+[{_HAN}]{{2,4}})+", rest)
            ):
                parts.extend(rest.split())
            else:
                parts.append(part)
    return parts


def split_authors(text: str | None) -> list[str]:
    """The names in a byline *text*, cleaned (module doc); an agency is kept when it is
    alone, dropped beside a person."""
    text = clean(text)
    # "Jane Doe (Reuters)"; a domain in brackets names the site: "Example (www.example.com)"
    text = re.sub(r"\s*[(（](?![^()（）]*\.[a-z]{2,})[^()（）]*[)）]", "", text).strip() or text
    if not text or vocabulary.pattern("photo").match(text) or re.match(r"(?:https?:|www\.)", text):
        return []  # a photo credit, a link
    text = _without_by(text.strip(_BRACKETS))
    names: list[str] = []
    for part in _parts(text):
        name = _strip_words(part)
        if name != part.strip(_BRACKETS) and len(name.split()) == 1 and not _CJK.search(name):
            continue  # a role and its qualifier ("Senior Reporter", "Staff Writer")
        if (
            not name
            or "@" in name
            or name.startswith("http")
            or not re.search(r"[^\W\d_]", name)
            or _REPORTS_FROM.match(name)
        ):
            continue
        names.append(name)
    people = [n for n in names if not is_agency(n)]
    return list(dict.fromkeys(people or names))


def is_agency(name: str) -> bool:
    """*name* is a news agency ("Reuters", "dpa", "新华社")."""
    return bool(vocabulary.pattern("agency").match(name.strip(_BRACKETS)))


def is_staff(name: str) -> bool:
    """*name* credits an editorial team, not a person ("MND Staff", "MM-Redaktion", "编辑部")."""
    return bool(vocabulary.pattern("staff").search(name))


def looks_like_name(name: str) -> bool:
    """*name* looks like a person's name as pages print it: two to four (``name_words``)
    capitalised words ("Jane Doe", "JANE DOE", "Anne van der Berg"), no digit; or two to
    four Han or Hangul characters ("李静怡"), or a Japanese name in two parts ("大渡 美咲")."""
    name = name.strip()
    if not name or re.search(r"\d", name) or len(name) > 60:
        return False
    if _CJK.search(name):
        return bool(
            re.fullmatch(
                rf"[{_HAN}\uac00-\ud7af]{{2,4}}|[{_HAN}\u3040-\u30ff]{{1,4}}\s[{_HAN}\u3040-\u30ff]{{1,4}}",
                name,
            )
        )
    words = name.split()
    if not 2 <= len(words) <= vocabulary.LIMITS["name_words"]:
        return False
    return (
        all(w[0].isupper() or w.casefold() in _PARTICLES for w in words) and words[0][0].isupper()
    )
