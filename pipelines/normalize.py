"""Canonical URLs and text fingerprints: the keys that keep the archive free of duplicates."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from courlan import clean_url

from storage.formats import to_utc_iso

__all__ = ["canonical_url", "fingerprint", "same_site", "is_home_page", "to_utc_iso"]


def canonical_url(url: str) -> str | None:
    """The form of *url* used as the archive key, or None when it is not a web URL.

    courlan scrubs and normalises it (lower-case scheme and host, default port dropped,
    tracking parameters such as ``utm_*`` removed, query sorted); the fragment is dropped, and
    so are credentials (``user:password@``): the key is stored, shown and exported.
    """
    if not url or not isinstance(url, str):
        return None
    cleaned = clean_url(url.strip())
    if not cleaned:
        return None
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def _site(host: str) -> str:
    labels = host.lower().rstrip(".").split(".")
    if labels and labels[0] in ("www", "m", "amp", "mobile"):
        labels = labels[1:]
    return ".".join(labels)


def same_site(a: str, b: str) -> bool:
    """True when both URLs are on the same host, ignoring ``www.``/``m.`` prefixes."""
    ha, hb = urlsplit(a).hostname, urlsplit(b).hostname
    if not ha or not hb:
        return False
    return _site(ha) == _site(hb)


def is_home_page(url: str) -> bool:
    """True for a site's root, which a careless ``rel=canonical`` often points to."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


_SPACE = re.compile(r"\s+")


def fingerprint(text: str) -> str:
    """A hash of the normalised text: equal for copies that differ only in spacing or case."""
    norm = unicodedata.normalize("NFKC", text or "").casefold()
    return hashlib.sha1(_SPACE.sub(" ", norm).strip().encode("utf-8")).hexdigest()
