"""Second tries before a page is called empty: another decoding, another parse.

- :func:`redecoded`: a page whose declared charset is wrong (GBK bytes served as
  ``charset=utf-8``) decodes to U+FFFD replacement characters where its text was; its
  encoding is then detected from the bytes (charset-normalizer, which trafilatura installs)
  and the page decoded with that instead, GB18030 for GBK and GB2312 (their superset).
- :func:`deeper_tree`: libxml2 stops parsing at a nesting depth of 256 (lxml's default,
  without ``huge_tree``), and what follows is lost, often the whole article. The page is
  parsed again with ``huge_tree`` (up to 2,048 levels); nested deeper still, its wrapping
  elements are dropped (the text, paragraphs and headings kept) and that is parsed.

Both run only when they may help: the first when the declared decoding gave many
replacement characters, the second when the first parse kept much less text than the
page has.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import html as lxml_html

__all__ = ["deeper_tree", "redecoded"]

_REPLACEMENT = "\ufffd"
# GB2312 and GBK are subsets of GB18030: decoded as it, a character outside them is kept
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "hz": "gb18030"}
# what the wrapper-dropping keeps: the document, its head, text blocks, and the elements
# whose content is not text (left whole, for trafilatura to leave out)
_KEPT = (
    "html|head|body|title|meta|link|article|main|p|h[1-6]|br|li|pre|time"
    "|script|style|noscript|template"
)
# [^<>]: a tag ends before the next one starts, so a page of unclosed tags costs one pass
_WRAPPER = re.compile(rf"</?(?!(?:{_KEPT})\b)[a-zA-Z][^<>]*>", re.I)
_TAG = re.compile(r"<[^<>]*>")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def too_many_replacements(text: str) -> bool:
    """*text* holds more U+FFFD than a few broken bytes would give: its decoding is wrong."""
    count = text.count(_REPLACEMENT)
    return count >= 8 and count * 200 > len(text)


def redecoded(body: bytes, text: str) -> str | None:
    """*body* decoded with the encoding detected in it, when *text* (its decoding with the
    declared charset) has too many replacement characters and the detected one gives far
    fewer; else None."""
    if not too_many_replacements(text):
        return None
    from charset_normalizer import from_bytes
    from w3lib.encoding import html_to_unicode

    best = from_bytes(body[:200_000]).best()
    if best is None or not best.encoding:
        return None
    encoding = _SUPERSETS.get(best.encoding.lower().replace("_", ""), best.encoding)
    try:
        decoded = html_to_unicode(f"charset={encoding}", body)[1]
    except LookupError:
        return None
    if decoded.count(_REPLACEMENT) * 4 > text.count(_REPLACEMENT):
        return None  # no better
    return decoded


def _parser() -> Any:
    # trafilatura's parser options (trafilatura.utils.HTML_PARSER), with huge_tree
    return lxml_html.HTMLParser(
        collect_ids=False,
        default_doctype=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=True,
    )


def _text_size(tree: Any) -> int:
    try:
        return len(tree.text_content()) if tree is not None else 0
    except ValueError:
        return 0


def _markup_text_size(markup: str) -> int:
    """About how much text *markup* holds, counted as ``text_content`` counts it (the
    text of scripts and styles too)."""
    return len(_TAG.sub("", markup).strip())


def _parse(markup: str) -> Any:
    try:
        return lxml_html.document_fromstring(_XML_DECLARATION.sub("", markup), parser=_parser())
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return None


def deeper_tree(html: str | bytes, tree: Any) -> Any:
    """A tree of *html* holding the text that *tree* (its first parse) lost to the nesting
    limit, or None when *tree* lost nothing."""
    if isinstance(html, bytes):
        from trafilatura.utils import decode_file

        markup = decode_file(html)
        if isinstance(markup, bytes):
            return None
    else:
        markup = html
    kept = _text_size(tree)
    expected = _markup_text_size(markup)
    if expected < 2 * kept + 200:
        return None  # the first parse has the text there is: an honest empty page
    for candidate in (markup, _WRAPPER.sub("", markup)):
        deeper = _parse(candidate)
        if _text_size(deeper) >= 2 * kept + 200:
            return deeper
    return None
