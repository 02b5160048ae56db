"""JSON-LD and text helpers shared by the metadata rules (pipelines.extraction.metadata, pipelines.extraction.dates)."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

__all__ = ["article_objects", "clean", "jsonld_objects", "labelled", "text_key", "types_of"]

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


_LABEL_TAGS = "//strong | //b | //dt | //th | //label | //span[not(*)]"


def labelled(tree: Any, label: re.Pattern[str], limit: int = 3) -> list[str]:
    """The values the page prints after a label matching *label* ("<strong>Autor</strong>
    Jane Doe", "<dt>Date</dt><dd>28.04.2023</dd>"): the rest of the label's parent, else
    the next element's text; short values only, at most *limit*."""
    values: list[str] = []
    for element in tree.xpath(_LABEL_TAGS):
        text = clean(element.text_content())
        if not text or len(text) > 30 or not label.fullmatch(text.rstrip(" :")):
            continue
        parent = element.getparent()
        rest = clean(parent.text_content()) if parent is not None else ""
        value = rest[len(text) :].strip(" :") if rest.startswith(text) else ""
        if not value and element.getnext() is not None:
            value = clean(element.getnext().text_content())
        if value and len(value) <= 80:
            values.append(value)
            if len(values) >= limit:
                break
    return values
