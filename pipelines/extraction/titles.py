"""An article's headline from the page's evidence, without the site's name.

- The JSON-LD ``headline``, unless it is a cut of the ``<h1>`` (it ends in an ellipsis) or
  the ``<h1>`` and ``og:title`` agree on a longer headline containing it; without one, the
  ``<h1>`` when ``og:title`` or ``<title>`` begin with it, else ``og:title``, ``<title>``.
- A leading or trailing segment ("… - Site", "Site | …", "…｜Site") is removed when it
  names the site (:mod:`pipelines.extraction.sitenames`), a date or a byline.
- A kicker ("Olympic Games: …") stays: the publishers' own headlines keep it.
"""

from __future__ import annotations

import re
from typing import Any

from pipelines.extraction.jsonld import article_objects, clean, text_key
from pipelines.extraction.sitenames import names_site

__all__ = ["best_title", "strip_site_affixes"]

_SEPARATORS = re.compile(r"\s+[-–—|·•*:/]\s+|\s*[|｜ㅣ•：]\s*")
_ELLIPSIS = re.compile(r"(\.\.\.|…)\s*$")


def strip_site_affixes(title: str, names: list[str]) -> str:
    """*title* without leading or trailing segments that name the site, a date or a byline."""
    parts = _SEPARATORS.split(title)
    seps = _SEPARATORS.findall(title)
    if len(parts) < 2:
        return title
    start, end = 0, len(parts)
    while end - start > 1 and names_site(parts[end - 1], names):
        end -= 1
    while end - start > 1 and names_site(parts[start], names) and seps[start].strip() != ":":
        start += 1
    if (start, end) == (0, len(parts)):
        return title
    out = parts[start]
    for i in range(start + 1, end):
        out += seps[i - 1] + parts[i]
    return out.strip() or title


def _h1s(tree: Any, names: list[str]) -> list[str]:
    """The ``<h1>`` texts, but a logo's (naming the site)."""
    texts = [clean(h1.text_content()) for h1 in tree.xpath("//h1")[:4]]
    return [t for t in texts if t and not names_site(t, names)]


def best_title(tree: Any, objects: list[dict[str, Any]], names: list[str]) -> str | None:
    """The headline of the page *tree* (its JSON-LD *objects*; the site's *names*)."""
    headlines = [clean(o.get("headline")) for o in article_objects(objects)]
    headline = next((h for h in headlines if h), "")
    h1s = _h1s(tree, names)
    og = clean(next(iter(tree.xpath("//meta[@property='og:title']/@content")), ""))
    tag = clean(next(iter(tree.xpath("//title/text()")), ""))
    og_framed = strip_site_affixes(og, names) if og else ""
    framed = [t for t in (og_framed, strip_site_affixes(tag, names) if tag else "") if t]
    if headline:
        headline = strip_site_affixes(headline, names)
        cut = text_key(_ELLIPSIS.sub("", headline))
        for h1 in h1s:
            longer = len(text_key(h1)) > len(text_key(headline))
            if longer and _ELLIPSIS.search(headline) and text_key(h1).startswith(cut):
                return h1  # the JSON-LD headline is a cut of the page's
            if longer and cut in text_key(h1) and text_key(og_framed) == text_key(h1):
                return h1  # <h1> and og:title agree on a whole headline the JSON-LD cuts
        return headline
    for h1 in h1s:
        if (
            any(text_key(t).startswith(text_key(h1)) for t in (og, tag) if t)
            and len(text_key(h1)) > 5
        ):
            return h1
    return next((f for f in framed if f), None)
