"""One extraction worker's loop (:func:`serve`), run by each worker that
:mod:`pipelines.workers.fork_server` forks.

The crawl's :class:`pipelines.workers.pool.ExtractorPool` speaks to the workers in
frames (a 4-byte big-endian length and a payload): it sends a pickle of
``(html, url, language, encoding[, fetch])`` (the response's bytes and Scrapy's encoding for
them: the worker decodes them; *fetch*, a :class:`pipelines.prepare.Fetch`, asks for the WARC
records of the page too), the worker answers JSON, ``{"article": {...} | null}`` or
``{"error": "..."}``, after a first ``{"ready": true}`` once its imports are done. The
article comes with what the archive's writer needs of it (:func:`pipelines.prepare.prepare`);
its WARC records' bytes follow the JSON after a NUL byte (JSON never holds one), their
place in them under ``article.records``. This
module imports neither Twisted nor Scrapy: a worker holds only what extraction needs.

With ``relevance.semantic`` on, the crawl names the prototypes file (``semantic.toml``) in
``CULTUREWATCH_SEMANTIC`` (:data:`SEMANTIC_ENV`): the fork server embeds the prototypes once
(:func:`prepare_semantic`, one thread: safe to fork after) and each worker adds the article's
similarities to the themes to its reply (``article.semantic``, :mod:`pipelines.scoring.semantic`).
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import struct
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, BinaryIO

from pipelines.extraction.article import Article
from pipelines.prepare import prepare

__all__ = ["HEADER", "SEMANTIC_ENV", "TEST_HOOKS", "frame", "prepare_semantic", "quiet", "serve"]

TEST_HOOKS = "CULTUREWATCH_WORKER_TEST_HOOKS"
SEMANTIC_ENV = "CULTUREWATCH_SEMANTIC"
HEADER = struct.Struct(">I")

_SPACE: list[Any] = []  # the embedded prototypes (pipelines.scoring.semantic.ThemeSpace), if on


def prepare_semantic() -> None:
    """Load the model and embed the prototypes of ``$CULTUREWATCH_SEMANTIC``, once per
    process (the fork server: its workers share them); nothing when it is not set."""
    path = os.environ.get(SEMANTIC_ENV)
    if not path or _SPACE:
        return
    from pipelines.scoring.semantic import build_space, load_prototypes, similarity

    space = build_space(load_prototypes(path))
    similarity({"title": "Warm-up", "text": "A sentence to embed once."}, space)
    _SPACE.append(space)


def _semantic(article: Any) -> dict[str, Any] | None:
    if not _SPACE:
        return None
    from pipelines.scoring.semantic import similarity

    return similarity(article, _SPACE[0]).to_dict()


def frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def _read(stream: BinaryIO) -> bytes | None:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None  # the crawl closed our input: done
    (size,) = HEADER.unpack(header)
    payload = stream.read(size)
    return payload if len(payload) == size else None


def _test_hook(html: str | bytes) -> None:
    marker = html if isinstance(html, bytes) else html.encode("utf-8", "replace")
    if b"culturewatch-test:crash" in marker:
        os._exit(70)
    if b"culturewatch-test:kill-fork-server" in marker:  # the process it was forked from
        os.kill(os.getppid(), signal.SIGKILL)
        os._exit(71)
    if b"culturewatch-test:hang" in marker:
        while True:
            pass


def _signature(text: str) -> list[int] | None:
    """The story signature of *text*, computed here so that the crawl's process need not;
    None (the archive's writer computes it then) when it cannot be."""
    try:
        from pipelines.stories.signatures import signature

        sig = signature(text)
    except Exception:  # noqa: BLE001 - the writer tries again; the extraction stands
        return None
    return None if sig is None else list(sig)


def _heap_trimmer() -> Callable[[], object]:
    """glibc's ``malloc_trim(0)``, or nothing where there is no glibc.

    A page's parse (libxml2's tree, the text's strings) leaves the C heap fragmented at its
    high-water mark; handing the free pages back to the system after each page keeps a
    worker ~11 MiB smaller through a crawl, for ~0.5 ms a page.
    """
    try:
        import ctypes

        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


def quiet() -> None:
    """trafilatura's warnings are not the crawl's output (unless the crawl is verbose)."""
    import logging
    import warnings

    if not os.environ.get("CULTUREWATCH_WORKER_VERBOSE"):
        logging.disable(logging.CRITICAL)
        warnings.simplefilter("ignore")


def serve(
    stdin: BinaryIO, send: Callable[[bytes], None], *, hello: dict[str, Any] | None = None
) -> None:
    """Answer frames from *stdin* until it ends (the worker loop); the first frame sent
    is ``{"ready": true}`` and *hello*."""
    quiet()
    prepare_semantic()  # at once in a worker of its own; forked ones have it already
    from pipelines.extraction.extract import decode, extract

    hooks = os.environ.get(TEST_HOOKS) == "1"
    give_back = _heap_trimmer()
    send(frame(json.dumps({"ready": True, **(hello or {})}).encode()))
    while (request := _read(stdin)) is not None:
        html, url, language, encoding, *fetch = pickle.loads(request)
        if hooks:
            _test_hook(html)
        records = b""
        try:
            article = extract(decode(html, encoding), url, language=language)
            if article is not None:
                article.signature = _signature(article.text)
                article.semantic = _semantic(article)
                prepare(article, html, fetch[0] if fetch else None)
            reply: dict[str, Any] = {"article": _answer(article) if article else None}
            if article is not None and article.records is not None:
                records = b"\0" + article.records.data
        except Exception as exc:  # noqa: BLE001 - reported as the page's failure
            reply = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        send(frame(json.dumps(reply, ensure_ascii=False).encode("utf-8") + records))
        give_back()


def _answer(article: Article) -> dict[str, Any]:
    """*article* as JSON, its WARC records' bytes left out (they follow the JSON)."""
    answer = asdict(article)
    if answer["records"] is not None:
        del answer["records"]["data"]
    return answer
