"""Text helpers of the digest and the alerts: the extract (first sentences), Markdown
escaping, one plain line, safe links, and times as a reader reads them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from storage.formats import parse_iso

__all__ = [
    "EXTRACT_MAX_CHARS",
    "extract",
    "local_time",
    "md_escape",
    "plain",
    "safe_link",
    "utc_iso",
    "without_title",
]

EXTRACT_MAX_CHARS = 420  # a third sentence is added only while the extract stays this short

_SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]*[A-Z0-9À-ÖØ-Þ\u0400-\u042f])|(?<=[。！？])"
)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|!~&])")


def without_title(text: str, title: str) -> str:
    """*text* without the lines that open many pages before the article itself: the headline
    again (with other spaces or punctuation, or a site name added), then bylines, sources,
    dates and page furniture ("来源：新华网 2025-03-04", "记者 张三", "编辑：…",
    "【字号 大 中 小】", "By Jane Doe", "Updated: 4 March 2026"). Only leading lines are
    dropped, never all of them."""
    lines = text.lstrip().split("\n")
    key = _key(title)
    skipped = 0
    for line in lines[:_LEAD_LINES]:
        if line.strip() and not _same_headline(_key(line), key) and not _is_byline(line):
            break
        skipped += 1
    rest = "\n".join(lines[skipped:])
    return rest if rest.strip() else text


_LEAD_LINES = 8  # at most this many leading lines are headline, byline or furniture
_BYLINE_MAX = 60  # a byline or date line is short
_CJK_KEYS = (
    "来源|來源|稿源|出处|出處|编辑|編輯|责任编辑|責任編輯|责编|責編|主编|主編|记者|記者|作者|"
    "通讯员|通訊員|摄影|攝影|撰文|文字|图片|圖片|文/图|文/圖|发布时间|發布時間|发布日期|發布日期|"
    "发表时间|發表時間|更新时间|更新時間|时间|時間|日期|本报讯|本報訊|原标题|原標題|字号|字號|"
    "阅读量|閱讀量|浏览|瀏覽|分享到|打印"
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_BYLINE = re.compile(
    rf"^[\s【\[（(]*(?:(?:{_CJK_KEYS})\s*[：:]|(?:记者|記者|通讯员|通訊員|编辑|編輯)\s*\S{{2,4}}"
    r"(?:\s|$)|(?:字号|字號).*[大中小])"
)
_BYLINE_EN = re.compile(  # "By Jane Doe and John Roe | Reuters", "Source: Xinhua"
    r"^(?:[Bb]y|BY|[Ww]ritten by)\s+(?:[A-Z][\w.'’-]*\s*(?:,|and|&|\||/|-|–)?\s*){1,8}$|"
    r"^(?i:source|editor|reporter|photos?|credit|published|updated|posted|last updated)\s*:|"
    rf"^(?i:published|updated|posted|last updated)(?i:\s+on)?\s+(?=\d|(?i:{_MONTH}))"
)
_DATE_LINE = re.compile(
    r"^[\s【\[（(]*(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|"
    rf"\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}})",
    re.IGNORECASE,
)
_SENTENCE_FINAL = re.compile(r"[。！？!?]|\.\s*$|\.\s+\S")


def _key(text: str) -> str:
    """A line reduced to its letters and digits (NFKC, case-folded): spaces and punctuation
    do not make another headline."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def _same_headline(line: str, title: str) -> bool:
    """The line repeats the title, maybe with a site name before or after it."""
    if not line or not title:
        return False
    if line == title:
        return True
    short, long = sorted((line, title), key=len)
    return (
        len(short) >= 6
        and len(short) >= 0.6 * len(long)
        and (long.startswith(short) or long.endswith(short))
    )


def _is_byline(line: str) -> bool:
    flat = " ".join(line.split())
    if len(flat) > _BYLINE_MAX:
        return False
    if _BYLINE.match(flat) or _BYLINE_EN.match(flat) or _DATE_LINE.match(flat):
        return not _SENTENCE_FINAL.search(flat) or "：" in flat or ":" in flat
    return False


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


def plain(text: object) -> str:
    """*text* on one line without control or format characters (bidi overrides, zero width)."""
    flat = " ".join(str(text or "").split())
    return "".join(ch for ch in flat if unicodedata.category(ch) not in ("Cc", "Cf"))


def utc_iso(moment: datetime) -> str:
    """*moment* as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_time(value: str | None, tz: ZoneInfo, fallback: str) -> str:
    """*value* for a reader: a bare date as written, a timestamp as local time in *tz* with
    the zone's abbreviation, *fallback* when it does not parse."""
    if value and len(value.strip()) == 10:
        return value.strip()
    moment = parse_iso(value)
    if moment is None:
        return fallback
    local = moment.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {tz.key if tz.key == 'UTC' else local.strftime('%Z')}".strip()
