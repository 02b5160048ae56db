"""Queries of the discovery kinds (gdelt, google_news), built from the themes.

Queries come from ``config/themes.toml`` (a source's ``theme``: the strongest
stand-alone terms of that theme in the source's language) unless the source gives its
own ``query``, so that themes and searches do not drift apart.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.config import Source
from crawler.listings.feeds import FeedError

__all__ = [
    "DEFAULT_TIMESPAN",
    "GDELT_LANGUAGES",
    "GDELT_MAX_RECORDS",
    "DiscoveryError",
    "parse_timespan",
    "search_terms",
    "search_url",
]

GDELT_MAX_RECORDS = 250  # the API's maximum per request
DEFAULT_TIMESPAN = "1d"
QUERY_TERMS = 6  # strongest terms of a theme that make its query

# Google News editions by language: hl, gl, ceid.
_EDITIONS = {
    "en": ("en-US", "US", "US:en"),
    "zh": ("zh-CN", "CN", "CN:zh-Hans"),
    "zh-hans": ("zh-CN", "CN", "CN:zh-Hans"),
    "zh-cn": ("zh-CN", "CN", "CN:zh-Hans"),
    "zh-hant": ("zh-TW", "TW", "TW:zh-Hant"),
    "zh-tw": ("zh-TW", "TW", "TW:zh-Hant"),
    "zh-hk": ("zh-HK", "HK", "HK:zh-Hant"),
}
# GDELT sourcelang: values by BCP 47 primary subtag.
GDELT_LANGUAGES = {
    "en": "english",
    "zh": "chinese",
    "fr": "french",
    "de": "german",
    "es": "spanish",
    "ja": "japanese",
    "ko": "korean",
    "ru": "russian",
    "ar": "arabic",
}
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class DiscoveryError(FeedError):
    """A search answer we cannot read, or a source whose query cannot be built."""


def parse_timespan(text: str | None) -> timedelta:
    """``90min``, ``12h``, ``1d``, ``2w`` as a duration (default one day)."""
    match = re.fullmatch(r"([1-9][0-9]*)(min|h|d|w)", text or DEFAULT_TIMESPAN)
    if not match:
        raise DiscoveryError(f"timespan {text!r} must be a number and min, h, d or w")
    number, unit = int(match.group(1)), match.group(2)
    return timedelta(
        minutes=number if unit == "min" else 0,
        hours=number if unit == "h" else 0,
        days=number if unit == "d" else 7 * number if unit == "w" else 0,
    )


def _pick_alias(concept: Any, script: str) -> str | None:
    """The alias of *concept* to search for in *script*.

    ``latin``: as written, at least 3 characters; ``plain``: the same without punctuation
    (GDELT does not search it); ``hans``: the first Chinese alias (simplified comes first in
    themes.toml); ``hant``: the traditional form written right after it, when it has one.
    """
    aliases = [a.rstrip("*").strip() for a in (concept.name, *concept.aliases)]
    aliases = [a for a in dict.fromkeys(aliases) if a and "*" not in a]
    if script in ("hans", "hant"):
        chinese = [a for a in aliases if _CJK.search(a) and len(a) >= 2]
        if not chinese:
            return None
        first = chinese[0]
        if script == "hant" and len(chinese) > 1:
            after = chinese[1]
            if len(after) == len(first) and after != first:
                return after
        return first
    for alias in aliases:
        if _CJK.search(alias) or len(alias) < 3:
            continue
        if script == "plain" and re.search(r"[^\w\s]", alias):
            continue
        return alias
    return None


def _script(kind: str, language: str | None) -> str:
    if kind == "gdelt":
        return "plain"  # GDELT searches English translations of every language
    lang = (language or "en").lower()
    if not lang.startswith("zh"):
        return "latin"
    return "hant" if any(t in lang for t in ("hant", "-tw", "-hk", "-mo")) else "hans"


def search_terms(themes: Any, theme: str, script: str, limit: int = QUERY_TERMS) -> list[str]:
    """The strongest stand-alone terms of *theme*, one alias per concept in *script*.

    Terms (not context terms, which only count in articles about China) by weight, the
    order of the file breaking ties.
    """
    try:
        concepts = [c for c in themes[theme].concepts if not c.context]
    except KeyError:
        raise DiscoveryError(f"theme '{theme}' is not in themes.toml") from None
    concepts.sort(key=lambda c: -c.weight)  # stable: file order within a weight
    terms: list[str] = []
    for concept in concepts:
        alias = _pick_alias(concept, script)
        if alias and alias.casefold() not in {t.casefold() for t in terms}:
            terms.append(alias)
        if len(terms) >= limit:
            break
    if not terms:
        raise DiscoveryError(f"theme '{theme}' has no terms to search for ({script} script)")
    return terms


def _gdelt_query(terms: list[str], language: str | None) -> str:
    # GDELT: phrases in double quotes, OR-ed terms inside parentheses; punctuation
    # other than letters and digits is not searchable, so it becomes a space.
    cleaned = [" ".join(re.sub(r"[^\w]+", " ", t).split()) for t in terms]
    cleaned = [f'"{t}"' if " " in t else t for t in dict.fromkeys(c for c in cleaned if c)]
    query = cleaned[0] if len(cleaned) == 1 else "(" + " OR ".join(cleaned) + ")"
    lang = GDELT_LANGUAGES.get((language or "").split("-")[0].lower())
    return f"{query} sourcelang:{lang}" if lang else query


def _google_query(terms: list[str], timespan: str | None) -> str:
    query = " OR ".join(f'"{t}"' if " " in t else t for t in terms)
    when = (timespan or DEFAULT_TIMESPAN).replace("min", "m")
    if when.endswith("w"):
        when = f"{int(when[:-1]) * 7}d"
    if when.endswith("m"):  # Google knows hours and days, not minutes
        when = f"{max(1, -(-int(when[:-1]) // 60))}h"
    return f"{query} when:{when}"


def _with_params(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: v for k, v in params.items() if k not in query})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def search_url(source: Source, themes: Any) -> str:
    """The search a discovery source makes, as a URL (without GDELT's time window).

    A query already in the source's URL (``q=`` for Google News, ``query=`` for GDELT)
    wins; else the source's ``query``; else terms of its ``theme`` from *themes*.
    """
    params = dict(parse_qsl(urlsplit(source.url).query))
    key = "query" if source.kind == "gdelt" else "q"
    extra: dict[str, str] = {}
    if key not in params:
        if source.query:
            terms = None
            raw = source.query
        else:
            if themes is None:
                raise DiscoveryError(
                    f"theme '{source.theme}' needs config/themes.toml (or give a 'query')"
                )
            script = _script(source.kind, source.language)
            terms = search_terms(themes, source.theme or "", script)
            raw = ""
        if source.kind == "gdelt":
            extra["query"] = _gdelt_query(terms, source.language) if terms else raw
        else:
            extra["q"] = _google_query(terms, source.timespan) if terms else raw
    if source.kind == "gdelt":
        extra.update(mode="ArtList", format="json", sort="DateDesc")
        extra["maxrecords"] = str(source.page_size or GDELT_MAX_RECORDS)
    else:
        lang = (source.language or "en").lower()
        hl, gl, ceid = _EDITIONS.get(lang) or _EDITIONS.get(lang.split("-")[0]) or _EDITIONS["en"]
        extra.update(hl=hl, gl=gl, ceid=ceid)
    return _with_params(source.url, extra)
