"""JSON-LD and text helpers shared by the metadata rules (pipelines.metadata, pipelines.dates)."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

__all__ = ["article_objects", "clean", "jsonld_objects", "text_key", "types_of"]

_ARTICLE_TYPES = re.compile(r"Article|BlogPosting|Report|NewsArticle|LiveBlog", re.I)


def clean(text: Any) -> str:
    """*text* unescaped, NFC, with its white space collapsed."""
    if not isinstance(text, str):
        return ""
    return " ".join(unicodedata.normalize("NFC", html.unescape(text)).split())


def text_key(text: str) -> str:
    """*text* case-folded, letters and digits only: to compare names and headlines."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def jsonld_objects(tree: Any) -> list[dict[str, Any]]:
    """Every JSON object in the page's ``application/ld+json`` scripts, nested ones too."""
    found: list[dict[str, Any]] = []
    for script in tree.xpath("//script[contains(@type, 'ld+json')]"):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        found.extend(_walk(data))
    return found


def _walk(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _walk(item)
    elif isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, (dict, list)):
                yield from _walk(value)


def types_of(obj: dict[str, Any]) -> str:
    """The ``@type`` of a JSON-LD object as one string (a list joined with spaces)."""
    kind = obj.get("@type")
    return " ".join(str(k) for k in kind) if isinstance(kind, list) else str(kind or "")


def article_objects(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects describing an article (NewsArticle, BlogPosting, ...), else those with
    a headline or a publication date."""
    articles = [o for o in objects if _ARTICLE_TYPES.search(types_of(o))]
    return articles or [o for o in objects if "headline" in o or "datePublished" in o]
