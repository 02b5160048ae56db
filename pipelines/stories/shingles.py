"""Shingles of an article's text for near-duplicate detection, in any script.

Latin (and other spaced) scripts give word n-grams of the normalised text; Chinese gives
character n-grams of each run of Han characters (``storage.scripts.HAN``), since it has no
spaces between words. What an outlet adds around a copy is dropped first, so that it
cannot split a story: credit, source and editor lines ("Editor:", "责任编辑：", "来源："),
bylines, copyright and "originally published" notes, and the dateline that opens a wire
story ("BEIJING, March 3 (Xinhua) --", "新华社北京3月3日电").
"""

from __future__ import annotations

import re
import unicodedata

from storage.scripts import HAN, HAN_RUN

__all__ = ["WORD_N", "HAN_N", "body_lines", "shingles", "strip_boilerplate"]

WORD_N = 4  # words per shingle (Latin scripts)
HAN_N = 4  # characters per shingle (Chinese)

# a whole line that is an outlet's addition, not the story (checked on short lines only)
_CREDIT_LINE = re.compile(
    r"^\W*(?:"
    r"(?:editor|editors|edited by|editing by|reporting by|reporter|writing by|written by|"
    r"source|sources|photo|photos|image|images|credit|credits|translated by|translation|"
    r"compiled by|contact|e-?mail|related|read more|read also|see also|more|tags?)\s*[:：|]"
    r"|by\s+\S+(?:\s+\S+){0,5}$"
    r"|(?:copyright|©|\(c\)\s*\d{4})"
    r"|.*\ball rights reserved\b"
    r"|.*\b(?:originally|first)\s+(?:appeared|published|ran)\b"
    r"|.*\b(?:republished|reprinted|reproduced)\s+(?:with|by|from|under)\b"
    r"|.*\b(?:follow|subscribe|sign up)\b.*\b(?:newsletter|twitter|facebook|weibo|wechat)\b"
    r"|[(\[（【]?\s*(?:xinhua|reuters|ap|afp|cgtn|china daily|global times|chinanews)\s*[)\]）】]?$"
    r"|(?:责任编辑|编辑|主编|记者|来源|作者|图片来源|图片|图|摄影|摄|校对|审核|审校|监制|"
    r"出品|原标题|本文来源|稿件来源|转载|翻译|编译|文|撰文|通讯员|实习生|统筹|策划|制作)"
    r"\s*[：:|]"
    r"|.*(?:版权所有|未经授权|禁止转载|转载请注明|本文(?:转载|转自|来自)|原文(?:刊|发表|首发)|"
    r"欢迎关注|点击关注|扫码关注)"
    r"|[(\[（【]\s*(?:新华社|中新社|中新网|人民网|央视网|环球时报|记者)[^)\]）】]{0,24}[)\]）】]$"
    r")",
    re.IGNORECASE,
)
# the dateline opening a paragraph
_DATELINE = re.compile(
    r"^\W*(?:"
    # BEIJING, March 3 (Xinhua) -- / HONG KONG (Reuters) - / SHANGHAI, Jan. 5 --
    r"[A-Z][A-Z .'’-]{1,40}(?:,\s*[A-Z][a-z]{2,9}\.?\s+\d{1,2}(?:,\s*\d{4})?)?"
    r"(?:\s*\([A-Za-z .]{2,30}\))?\s*(?:--|—|–|-|:)\s+"
    r"|(?:新华社|中新社|中新网|人民网|央视网|本报|法新社|路透社|美联社)?[^\s，。：]{0,12}"
    r"[0-9０-９一二三四五六七八九十]{1,2}月[0-9０-９一二三四五六七八九十]{1,3}日(?:电|讯)"
    r"(?:\s*[（(][^）)]{0,30}[）)])?\s*"
    r"|本报(?:讯|[^\s，。]{0,10}电)(?:\s*[（(][^）)]{0,30}[）)])?\s*"
    r"|[（(【]?记者[^）)】\s]{1,20}[）)】]\s*"
    r")"
)
_SHORT_LINE_WORDS = 25  # a credit line is short: longer lines are kept whatever they say
_SHORT_LINE_HAN = 60
_WORD = re.compile(rf"[^\W_{HAN}]+")
_HAN_CHAR = re.compile(f"[{HAN}]")


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _is_credit(line: str) -> bool:
    words = len(line.split())
    han = len(_HAN_CHAR.findall(line))
    if words > _SHORT_LINE_WORDS or han > _SHORT_LINE_HAN:
        return False
    return _CREDIT_LINE.match(line) is not None


def strip_boilerplate(line: str) -> str:
    """*line* without an opening dateline; empty when the whole line is a credit line."""
    line = line.strip()
    if not line or _is_credit(line):
        return ""
    return _DATELINE.sub("", line, count=1).strip()


def body_lines(text: str) -> list[str]:
    """The lines of *text* that are the story (boilerplate stripped, empty ones dropped)."""
    lines = (strip_boilerplate(line) for line in (text or "").splitlines())
    return [line for line in lines if line]


def shingles(text: str, *, word_n: int = WORD_N, han_n: int = HAN_N) -> set[str]:
    """The shingles of *text*: word *word_n*-grams and Han character *han_n*-grams.

    A text shorter than one shingle gives the whole (normalised) run as one shingle, so a
    very short text still has a signature, and an empty text none."""
    out: set[str] = set()
    words: list[str] = []
    for line in body_lines(text):
        norm = _normalise(line)
        for run in HAN_RUN.findall(norm):
            if len(run) < han_n:
                if len(run) >= 2:
                    out.add(run)
                continue
            out.update(run[i : i + han_n] for i in range(len(run) - han_n + 1))
        words.extend(_WORD.findall(HAN_RUN.sub(" ", norm)))
    if 0 < len(words) < word_n:
        out.add(" ".join(words))
    out.update(" ".join(words[i : i + word_n]) for i in range(len(words) - word_n + 1))
    return out
