"""Scoring outside a crawl: files from disk (``culturewatch score``) and the whole
archive again (``culturewatch rescore``), with no fetching."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pipelines.extract import extract, merge_hints
from pipelines.relevance import Relevance, score
from pipelines.themes import Themes
from storage.archive import Archive

__all__ = ["read_article_file", "score_file", "reextract_archive", "rescore_archive"]

HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def read_article_file(path: Path) -> dict[str, Any]:
    """``.html`` is extracted with trafilatura; ``.txt`` is the title on line 1, then the body."""
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        article = extract(path.read_bytes(), path.resolve().as_uri())
        if article is None:
            return {"title": None, "text": "", "language": None}
        return {"title": article.title, "text": article.text, "language": article.language}
    if suffix == ".txt":
        title, _, body = path.read_text(encoding="utf-8", errors="replace").partition("\n")
        return {"title": title.strip() or None, "text": body.strip(), "language": None}
    raise ValueError(f"{path}: unsupported file type '{suffix or '(none)'}' (use .html or .txt)")


def score_file(path: Path, themes: Themes, threshold: float) -> dict[str, Any]:
    """One JSON-ready line of ``culturewatch score`` output."""
    article = read_article_file(path)
    result = score(article, themes, threshold)
    return {"path": str(path), "title": article["title"], **result.to_dict()}


def rescore_archive(
    archive: Archive,
    themes: Themes,
    threshold: float,
    *,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Re-apply *themes* to every archived article, one transaction per batch.

    Returns counts: ``articles``, ``relevant``, ``changed`` (relevant flag flipped).
    """
    counts = {"articles": 0, "relevant": 0, "changed": 0}
    for batch in _batches(archive, batch_size):
        scores = []
        for row in batch:
            result: Relevance = score(row, themes, threshold)
            scores.append((row["id"], result.to_dict()))
            counts["articles"] += 1
            counts["relevant"] += int(result.relevant)
            counts["changed"] += int(
                row["relevant"] is not None and bool(row["relevant"]) != result.relevant
            )
        archive.set_relevances(scores)  # the batch in one transaction
        if progress:
            progress(len(batch))
    return counts


def reextract_archive(
    archive: Archive, *, batch_size: int = 500, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Extract every article again from its stored raw HTML (nothing is fetched).

    The row keeps its URL; text and metadata are replaced when the extraction gives a
    text (the feed's date, ``feed_published_at``, is merged as at the crawl). Counts: ``articles`` seen, ``extracted`` (updated).
    """
    counts = {"articles": 0, "extracted": 0}
    for batch in _batches(archive, batch_size, "id, url, feed_published_at"):
        with archive.transaction():
            for row in batch:
                counts["articles"] += 1
                html = archive.raw_html(row["url"])
                article = extract(html, row["url"]) if html else None
                if article is None:
                    continue
                # the feed's date, kept at the crawl, still beats htmldate's guess
                article = merge_hints(article, {"published_at": row.get("feed_published_at")})
                record = article.to_record()
                record["url"] = row["url"]
                archive.upsert_article(record)
                counts["extracted"] += 1
        if progress:
            progress(len(batch))
    return counts


def _batches(
    archive: Archive, batch_size: int, columns: str = "id, title, text, relevant"
) -> Iterator[list[dict[str, Any]]]:
    yield from archive.iter_articles(batch_size, columns=columns)
