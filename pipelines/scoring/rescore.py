"""Scoring outside a crawl: files from disk (``culturewatch score``) and the whole
archive again (``culturewatch rescore``), with no fetching."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipelines.extraction.extract import extract, merge_hints
from pipelines.parent_death import die_with_parent
from pipelines.scoring.relevance import score
from pipelines.scoring.themes import Themes
from storage.archive import Archive
from storage.captures import CaptureMissing

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
    workers: int = 1,
) -> dict[str, int]:
    """Re-apply *themes* to every archived article, one transaction per batch.

    With *workers* > 1 the scoring (~1 ms an article, all of it Python) is spread over that
    many processes, each batch in even parts; the writes stay here, in this process.
    Returns counts: ``articles``, ``relevant``, ``changed`` (relevant flag flipped),
    ``pruned`` (its text dropped by retention: left as it was).
    """
    counts = {"articles": 0, "relevant": 0, "changed": 0, "pruned": 0}
    with _scorer(themes, threshold, workers) as score_rows:
        for rows in _batches(archive, batch_size):
            # a pruned article (retention: its text dropped) keeps the scores it had
            batch = [row for row in rows if row["text"] is not None]
            counts["pruned"] += len(rows) - len(batch)
            scores = score_rows(batch) if batch else []
            for row, (_id, result) in zip(batch, scores, strict=True):
                counts["articles"] += 1
                counts["relevant"] += int(result["relevant"])
                counts["changed"] += int(
                    row["relevant"] is not None and bool(row["relevant"]) != result["relevant"]
                )
            archive.set_relevances(scores)  # the batch in one transaction
            if progress:
                progress(len(rows))
    return counts


_Scores = list[tuple[int, dict[str, Any]]]
_SCORING: tuple[Themes, float] | None = None  # in a scoring process: what it scores with


def _set_scoring(themes: Themes, threshold: float) -> None:
    global _SCORING
    _SCORING = (themes, threshold)


def _start_scoring(parent: int, themes: Themes, threshold: float) -> None:
    """A scoring process's start: it dies with *parent*, the rescore (``kill -9`` of the
    rescore leaves no process behind), then keeps what it scores with."""
    if not die_with_parent(parent):  # the rescore died before that took hold
        os._exit(0)
    _set_scoring(themes, threshold)


def _score_rows(rows: list[dict[str, Any]]) -> _Scores:
    assert _SCORING is not None, "a scoring process starts with _set_scoring"
    themes, threshold = _SCORING
    return [(row["id"], score(row, themes, threshold).to_dict()) for row in rows]


@contextmanager
def _scorer(
    themes: Themes, threshold: float, workers: int
) -> Iterator[Callable[[list[dict[str, Any]]], _Scores]]:
    """A function scoring a batch of rows: here, or in *workers* processes (spawned, not
    forked: a fork of this process could inherit a lock held by one of its threads, e.g.
    rich's; and not from multiprocessing's fork server, which a killed rescore would leave
    running with its workers: spawned, they are this process's children and die with it)."""
    if workers <= 1:
        _set_scoring(themes, threshold)
        yield _score_rows
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_start_scoring,
        initargs=(os.getpid(), themes, threshold),
    ) as pool:

        def spread(rows: list[dict[str, Any]]) -> _Scores:
            part = -(-len(rows) // workers)
            chunks = [rows[i : i + part] for i in range(0, len(rows), part)]
            return [pair for scored in pool.map(_score_rows, chunks) for pair in scored]

        yield spread


def reextract_archive(
    archive: Archive, *, batch_size: int = 500, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Extract every article again from its stored raw HTML (nothing is fetched).

    The row keeps its URL; text and metadata are replaced when the extraction gives a
    text (the feed's date, ``feed_published_at``, is merged as at the crawl). Counts:
    ``articles`` seen, ``extracted`` (updated), ``missing`` (its raw capture's WARC record
    is gone, deleted or truncated: skipped), ``pruned`` (its text and raw capture dropped by
    retention: skipped, never brought back).
    """
    counts = {"articles": 0, "extracted": 0, "missing": 0, "pruned": 0}
    columns = "id, url, feed_published_at, text is null as pruned"
    for batch in _batches(archive, batch_size, columns):
        with archive.transaction():
            for row in batch:
                counts["articles"] += 1
                if row["pruned"]:
                    counts["pruned"] += 1
                    continue
                try:
                    html = archive.raw_html(row["url"])
                except CaptureMissing:  # its WARC file deleted or truncated: skipped
                    counts["missing"] += 1
                    continue
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
