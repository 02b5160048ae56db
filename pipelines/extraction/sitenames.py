"""What a page calls its site, and whether a string names it (a title's segment, an author).

The names: ``og:site_name``, ``application-name``, ``publisher`` and ``copyright`` metas,
the JSON-LD publisher and WebSite names, and the host's (``golem.de`` and ``golem`` of
``www.golem.de``; from the URL, ``rel=canonical`` and ``og:url``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from pipelines.extraction import vocabulary
from pipelines.extraction.jsonld import clean, text_key, types_of

__all__ = ["names_site", "site_names"]

_DATE_SEGMENT = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")


def site_names(tree: Any, objects: list[dict[str, Any]], url: str) -> list[str]:
    """The names the page *tree* (its JSON-LD *objects*, fetched from *url*) gives its site."""
    names = [
        clean(v)
        for v in tree.xpath(
            "//meta[@property='og:site_name']/@content | //meta[@name='application-name']/@content"
            " | //meta[@name='publisher']/@content | //meta[@name='copyright']/@content"
        )
    ]
    for obj in objects:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict):
            names.append(clean(publisher.get("name")))
        if "WebSite" in types_of(obj):
            names.append(clean(obj.get("name")))
    hrefs = [
        url,
        *tree.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content"),
    ]
    generic = set(vocabulary.GENERIC_HOST_LABELS)
    for href in hrefs:
        host = urlsplit(str(href)).hostname or ""
        if host and not host[0].isdigit():
            labels = host.split(".")
            names.append(".".join(labels[-2:]))  # golem.de
            names.extend(x for x in labels[:-1] if len(x) >= 3 and x not in generic)
    return [n for n in dict.fromkeys(names) if n]


def names_site(segment: str, names: list[str]) -> bool:
    """*segment* names the site (one of *names*, a short form or the name and a little
    more: "WELT" of "DIE WELT", "Golem.de"), or is a date or a byline ("By Jane Doe")."""
    seg = text_key(segment)
    if not seg:
        return True
    if _DATE_SEGMENT.match(segment.strip()) or re.match(r"^by\s", segment.strip(), re.I):
        return True
    for name in names:
        key = text_key(name)
        if not key or len(seg) < 2:
            continue
        if seg == key or key.startswith(seg) or key.endswith(seg):
            return True
        if len(key) >= 3 and key in seg and len(seg) - len(key) <= 6:
            return True
    return False
