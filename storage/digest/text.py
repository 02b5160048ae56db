"""Text helpers of the digest: the extract (first sentences), Markdown escaping, safe links."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["EXTRACT_MAX_CHARS", "extract", "md_escape", "safe_link", "without_title"]

EXTRACT_MAX_CHARS = 420  # a third sentence is added only while the extract stays this short

_SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]*[A-Z0-9À-ÖØ-Þ\u0400-\u042f])|(?<=[。！？])"
)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|!~&])")


def without_title(text: str, title: str) -> str:
    """*text* without a first line that only repeats the title (pages often start so)."""
    first, _, rest = text.lstrip().partition("\n")
    if title and rest and " ".join(first.split()) == " ".join(title.split()):
        return rest
    return text


def extract(text: str, max_chars: int = EXTRACT_MAX_CHARS) -> str:
    """The first two or three sentences of *text* (three only while short), on one line."""
    flat = " ".join(text.split())
    if not flat:
        return ""
    sentences = [s.strip() for s in _SENTENCE_END.split(flat) if s.strip()]
    chosen: list[str] = []
    for sentence in sentences:
        joined = _join([*chosen, sentence])
        if len(chosen) >= 2 and len(joined) > max_chars:
            break
        chosen.append(sentence)
        if len(chosen) == 3:
            break
    out = _join(chosen)
    limit = max_chars * 2
    if len(out) > limit:  # no sentence ends in sight: cut at a word
        cut = out[:limit]
        out = (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut).rstrip(" ,;:") + "…"
    return out


def _join(sentences: Sequence[str]) -> str:
    out = ""
    for s in sentences:
        if out and not re.search(r"[。！？]$", out):
            out += " "
        out += s
    return out


def md_escape(text: str) -> str:
    """Plain text made inert in Markdown (no links, HTML, emphasis or tables)."""
    flat = " ".join(str(text).split())
    flat = _MD_SPECIAL.sub(r"\\\1", flat)
    return re.sub(r"^([-+]|\d+\.)(\s)", r"\\\1\2", flat)


def safe_link(url: str) -> str | None:
    """*url* when it is safe to link (http or https), else None."""
    return url if re.match(r"(?i)^https?://[^\s]+$", url or "") else None
