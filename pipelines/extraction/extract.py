"""Article extraction: a pure function of (html, url) around trafilatura.

No Scrapy, no database: it can run from a file, in a test or in a process pool.
"""

from __future__ import annotations

import json
import re
from typing import Any

import trafilatura
from trafilatura.settings import DEFAULT_CONFIG, Document, set_date_params, use_config
from trafilatura.utils import load_html

from pipelines.extraction.article import MIN_WORDS, Article, merge_hints, word_count
from pipelines.extraction.fallbacks import deeper_tree, redecoded
from pipelines.extraction.metadata import (
    choose_authors,
    page_metadata,
    split_authors,
    strip_site_affixes,
    valid_date,
)
from pipelines.extraction.textclean import trim_text
from pipelines.normalize import canonical_url, is_home_page, same_site
from storage.formats import to_utc_iso
from storage.scripts import HAN_CHAR, primary_language

__all__ = ["Article", "decode", "detect_language", "extract", "merge_hints"]

# Characters counted when guessing a language from the script alone (Han: storage.scripts).
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LETTER = re.compile(r"[^\W\d_]")
# Guessers' codes that the archive spells otherwise (regional Chinese is zh, old ISO codes).
_LANG_ALIASES = {
    "wuu": "zh", "yue": "zh", "zh-hans": "zh", "zh-hant": "zh", "iw": "he", "in": "id", "jw": "jv",
}  # fmt: skip
_LANGUAGE_SAMPLE = 3000
# trafilatura takes its flat fallback (headline, byline and paragraphs on one line) below
# MIN_EXTRACTED_SIZE characters (250); a Han, kana or Hangul character carries about as
# much as two and a half Latin ones, so a page headed in those scripts needs 100
_CJK_MIN_EXTRACTED = 100


def decode(body: str | bytes, encoding: str | None) -> str | bytes:
    """*body* as Scrapy's ``response.text`` has it: w3lib's ``html_to_unicode`` with the
    response's *encoding* (a byte-order mark wins); bytes as they are without one
    (trafilatura then finds the encoding). When that encoding is wrong (many U+FFFD in the
    text: GBK served as UTF-8), with the one detected in the bytes
    (:func:`pipelines.extraction.fallbacks.redecoded`)."""
    if isinstance(body, str) or not encoding:
        return body
    from w3lib.encoding import html_to_unicode

    text = html_to_unicode(f"charset={encoding}", body)[1]
    return redecoded(body, text) or text


def detect_language(text: str, declared: str | None = None) -> str | None:
    """Primary language subtag of *text*.

    The script decides for Chinese, Japanese and Korean; otherwise the page's declared
    language is trusted, and a guess is made when the page declares nothing: CLD2's
    (pycld2: a few MiB of tables in its shared library, ~0.1 ms a page), or py3langid's
    when CLD2 is unsure (its model costs ~80 MiB and ~0.7 s to load, so only then).
    """
    sample = text[:_LANGUAGE_SAMPLE]
    letters = len(_LETTER.findall(sample))
    if letters:
        if len(_KANA.findall(sample)) > 0.05 * letters:
            return "ja"
        if len(_HANGUL.findall(sample)) > 0.2 * letters:
            return "ko"
        if len(HAN_CHAR.findall(sample)) > 0.3 * letters:
            return "zh"
    primary = primary_language(declared)
    if primary and re.fullmatch(r"[a-z]{2,3}", primary) and primary not in ("zh", "ja", "ko"):
        return _LANG_ALIASES.get(primary, primary)
    if letters < 20:
        return None
    code = _cld2(sample)
    if code is None:
        import py3langid  # loaded on first use: its model takes a moment

        code, _score = py3langid.classify(sample)
    code = code.lower()
    return _LANG_ALIASES.get(code, code.split("-")[0])


def _cld2(sample: str) -> str | None:
    """CLD2's language of *sample* when it is sure of it, else None."""
    import pycld2

    try:
        reliable, _bytes, details = pycld2.detect(sample)
    except (pycld2.error, UnicodeError):  # e.g. lone surrogates, which are not UTF-8
        return None
    code = details[0][1] if details else "un"
    return code if reliable and code not in ("un", "xxx") else None


def _declared_language(tree: Any) -> str | None:
    if tree is None:
        return None
    for xpath in (
        "/html/@lang",
        "/html/@xml:lang",
        "//meta[@http-equiv='content-language' or @http-equiv='Content-Language']/@content",
        "//meta[@property='og:locale']/@content",
    ):
        try:
            found = tree.xpath(xpath)
        except Exception:  # noqa: BLE001 - odd namespaces in hostile markup
            continue
        if found and str(found[0]).strip():
            return str(found[0]).strip()
    return None


def _declared_canonical(tree: Any, url: str) -> str | None:
    """The page's ``rel=canonical`` if it is a usable URL on the same site."""
    if tree is None:
        return None
    for href in tree.xpath("//link[@rel='canonical']/@href | //link[@rel='Canonical']/@href"):
        from urllib.parse import urljoin

        candidate = canonical_url(urljoin(url, str(href).strip()))
        if candidate and same_site(candidate, url) and not is_home_page(candidate):
            return candidate
    return None


_NEXT_PUSH = re.compile(r'self\.__next_f\.push\(\[\d+,\s*("(?:[^"\\]|\\.)*")\]\)')
_RSC_TEXT = re.compile(rb"([0-9a-f]{1,6}):T([0-9a-f]{1,8}),")


def streamed_html(tree: Any) -> str | None:
    """The article markup a Next.js page streams in its ``self.__next_f.push`` scripts
    (the React Server Components payload) when its HTML renders none: the longest text
    row (``<id>:T<hex length>,<markup>``) holding paragraphs, with the page's ``<head>``."""
    parts = []
    for script in tree.xpath("//script[contains(text(), '__next_f')]/text()"):
        for match in _NEXT_PUSH.finditer(script):
            try:
                parts.append(json.loads(match.group(1)))
            except ValueError:
                continue
    payload = "".join(p for p in parts if isinstance(p, str)).encode("utf-8")
    rows = [
        payload[m.end() : m.end() + int(m.group(2), 16)].decode("utf-8", "replace")
        for m in _RSC_TEXT.finditer(payload)
    ]
    rows = [row for row in rows if "<p" in row]
    if not rows:
        return None
    from lxml import etree

    head = next(iter(tree.xpath("//head")), None)
    head_html = etree.tostring(head, encoding="unicode") if head is not None else ""
    return f"<html>{head_html}<body><article>{max(rows, key=len)}</article></body></html>"


def _parse(html: str | bytes) -> Any:
    # trafilatura's loader decodes bytes (declared or guessed charset), strips XML
    # declarations and refuses what is not HTML; it returns None on failure.
    try:
        return load_html(html)
    except Exception:  # noqa: BLE001 - hostile or binary input must not crash a crawl
        return None


def extract(html: str | bytes, url: str, *, language: str | None = None) -> Article | None:
    """Extract the article in *html* fetched from *url*.

    *language*: what the feed or sitemap declares, trusted like the page's own declaration
    when the page declares none (so that a guess is made only when nobody says).

    Returns None when no main text can be found, also in the page parsed again when the
    first parse lost text to lxml's nesting limit
    (:func:`pipelines.extraction.fallbacks.deeper_tree`). The returned URL is the page's
    ``rel=canonical`` when it points elsewhere on the same site (never to the home
    page, a common template mistake), else the canonical form of *url*.
    """
    tree = _parse(html)
    if tree is None:
        return None
    article = _from_tree(tree, url, language)
    if article is None:
        try:
            deeper = deeper_tree(html, tree)
        except Exception:  # noqa: BLE001 - hostile markup: only a missed second try
            deeper = None
        if deeper is not None:
            article = _from_tree(deeper, url, language)
    return article


def _from_tree(tree: Any, url: str, language: str | None) -> Article | None:
    """:func:`extract` of a parsed page."""
    try:
        meta = page_metadata(tree, url)
    except Exception:  # noqa: BLE001 - hostile markup must not lose the article
        meta = None
    # the page's own date wins over htmldate's guess: then htmldate need not search the text
    own_date = bool(meta and meta.published_at)
    cjk = _cjk(meta.title if meta and meta.title else _page_title(tree))
    doc = _trafilatura(tree, url, own_date, cjk)  # trafilatura works on a copy: *tree* stays whole
    text = (doc.text or "").strip() if doc else ""
    if word_count(text) < MIN_WORDS:  # perhaps rendered by the browser only
        try:
            streamed = streamed_html(tree)
        except Exception:  # noqa: BLE001 - a malformed payload is only a missed fallback
            streamed = None
        if streamed:
            doc = _trafilatura(_parse(streamed), url, own_date, cjk)
            text = (doc.text or "").strip() if doc else ""
    if doc is None or word_count(text) < MIN_WORDS:  # also an empty text
        return None
    article_url = _declared_canonical(tree, url) or canonical_url(url) or url
    tags = [t.strip() for raw in (doc.tags or []) + (doc.categories or []) for t in raw.split(",")]
    title = meta.title if meta and meta.title else (doc.title or "").strip() or None
    if meta and not meta.title and title:
        title = strip_site_affixes(title, [doc.sitename or ""])
    authors = choose_authors(meta, doc.author, text) if meta else split_authors(doc.author)
    published, date_source = (meta.published_at, meta.date_source) if meta else (None, None)
    if not published:  # htmldate's guess, the weakest evidence
        published = valid_date(to_utc_iso(doc.date))
        date_source = "htmldate" if published else None
    text = trim_text(text, title, authors) or text  # the heading and the byline atop it
    return Article(
        url=article_url,
        title=title,
        text=text,
        author="; ".join(authors) or None,
        authors=authors,
        published_at=published,
        date_source=date_source,
        language=detect_language(text, _declared_language(tree) or language),
        sitename=doc.sitename or None,
        description=doc.description or None,
        tags=list(dict.fromkeys(t for t in tags if t))[:50],
        image=doc.image or None,
    )


def _cjk(title: str | None) -> bool:
    """*title* is written in Han, kana or Hangul (a third of its letters at least)."""
    letters = len(_LETTER.findall(title or ""))
    scripts = len(HAN_CHAR.findall(title or "")) + len(_KANA.findall(title or ""))
    return bool(letters) and scripts + len(_HANGUL.findall(title or "")) >= letters / 3


def _page_title(tree: Any) -> str:
    return " ".join(str(t) for t in tree.xpath("//title/text()")[:1])


_CJK_CONFIG: list[Any] = []  # trafilatura's configuration for CJK pages, built once


def _cjk_config() -> Any:
    if not _CJK_CONFIG:
        config = use_config()
        config.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(_CJK_MIN_EXTRACTED))
        _CJK_CONFIG.append(config)
    return _CJK_CONFIG[0]


def _trafilatura(tree: Any, url: str, own_date: bool = False, cjk: bool = False) -> Document | None:
    """trafilatura's text and metadata of *tree*. With *own_date* (the page's metadata gave
    the date, which wins), htmldate looks only at the markup, not through the whole text;
    with *cjk* (a page headed in Han, kana or Hangul), a shorter text is its main text."""
    if tree is None:
        return None
    try:
        doc = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=True,
            date_extraction_params=set_date_params(extensive=False) if own_date else None,
            include_comments=False,
            include_tables=True,
            include_images=False,
            config=_cjk_config() if cjk else DEFAULT_CONFIG,
        )
    except Exception:  # noqa: BLE001 - trafilatura may raise on pathological trees
        return None
    return doc if isinstance(doc, Document) else None  # None: nothing found
