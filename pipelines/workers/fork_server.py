"""The extraction workers' fork server: ``python -m pipelines.workers.fork_server SOCKET PID``
(PID: the crawl's process, which it dies with).

Each extraction worker would otherwise be a fresh interpreter importing trafilatura, lxml's
cleaner, htmldate, justext's stoplists, the language models and numpy: ~1 s of CPU and
~100 MiB each, the same in every one. The crawl starts this process once instead: it imports
all that, extracts a small page of our own (so that what loads on first use is loaded),
freezes the garbage collector's view of it (``gc.freeze``: the collector then never writes
to those objects, so their pages stay shared) and forks a worker whenever the crawl asks.
A forked worker shares the server's memory until it writes to it: the proportional set
size of N workers is one copy of the libraries and N copies of what each page needs.

It speaks to the crawl (:class:`pipelines.workers.pool.ExtractorPool`) in frames of JSON
(:func:`pipelines.workers.loop.frame`):

- on its standard input, one line per worker to start: its key (an integer);
- on its standard output: ``{"ready": true}`` once warm, then ``{"ended": KEY, "code": C,
  "signal": S}`` when the worker of KEY exits (found with a pidfd, so no thread and no
  SIGCHLD handler runs in the process that forks).

A worker connects to the Unix socket SOCKET (the crawl listens there, in a directory only
its user may enter), says ``{"ready": true, "key": KEY, "pid": PID}`` and then serves pages
as :func:`pipelines.workers.loop.serve` describes. When its input ends, the server exits; a worker
dies with the server (``PR_SET_PDEATHSIG``) and the server with the crawl.

Forking is safe here because this process never starts a thread.
"""

from __future__ import annotations

import gc
import json
import os
import selectors
import signal
import socket
import sys
from typing import Any

from pipelines.parent_death import die_with_parent
from pipelines.prepare import Fetch, prepare
from pipelines.workers.loop import frame, prepare_semantic, quiet, serve

__all__ = ["main", "serve_forks", "warm_up"]

# once the crawl is done, how long the workers have to exit and be waited for (so that their
# time counts in this process's, and the crawl's, resource usage)
_LAST_WAIT = 5.0

# a page of our own: enough structure for trafilatura's main path, its date and metadata
# rules, and text long enough for an article
_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Warm-up page | Example Daily</title>
<meta property="og:title" content="Warm-up page">
<meta name="author" content="A. Writer"><meta property="article:published_time"
content="2026-01-02T03:04:05Z"></head><body><nav><a href="/">Home</a></nav><article>
<h1>Warm-up page</h1><p class="byline">By A. Writer</p>
{paragraphs}</article><footer>Contact us</footer></body></html>"""
_PARAGRAPH = (
    "<p>This paragraph is written only to make the extraction libraries load what they "
    "load on first use, before any worker is forked from this process, number {n}.</p>"
)


def warm_up() -> None:
    """Import and run once everything a worker uses on a page."""
    quiet()
    from pipelines.extraction.extract import extract
    from pipelines.stories.signatures import signature

    html = _PAGE.format(paragraphs="".join(_PARAGRAPH.format(n=n) for n in range(12)))
    url = "https://example.org/2026/01/02/warm-up-page.html"
    article = extract(html, url)
    if article is not None:
        signature(article.text)
        prepare(article, html, Fetch(url, 200, [], []))  # the WARC records' builder
    _justext_stoplist()
    _date_parser()
    prepare_semantic()  # relevance.semantic: the model and the prototypes, once for all
    # not py3langid: its model takes ~75 MiB, and CLD2 settles nearly every page without it


def _justext_stoplist() -> None:
    """trafilatura's justext fallback, on a page where its main path finds too little, uses
    the stop words of every language: here loaded once, for every worker, and held once.

    Left to themselves, the libraries hold them twice (~33 MiB): trafilatura keeps a tuple
    of the words, and justext's ``define_stoplist`` (an ``lru_cache``) turns that tuple into
    a frozenset of lower-cased copies of the words, keeping the tuple as its cache key.
    The words are lower-case already (justext's ``get_stoplist`` makes them so): here the
    frozenset is made of the tuple's own strings, and ``define_stoplist`` answers that
    tuple with it (any other stoplist goes to justext's own function): the same set,
    ~13 MiB less in the tree of processes. Another trafilatura or justext, without these
    names, keeps its own way."""
    try:
        from justext import core
        from trafilatura import external

        words = external.JT_STOPLIST or external.jt_stoplist_init()
        original = core.define_stoplist
    except (ImportError, AttributeError):  # another trafilatura: its workers load their own
        return
    if getattr(original, "held_once", False):
        return
    # a word's lower-cased copy only where it differs (none, with justext's own lists)
    stoplist = frozenset(word if word == (lower := word.lower()) else lower for word in words)

    def define_stoplist(given: Any) -> Any:
        return stoplist if given is words else original(given)

    define_stoplist.held_once = True  # type: ignore[attr-defined]
    core.define_stoplist = define_stoplist


def _date_parser() -> None:
    """htmldate's last resort for a date, dateparser, loads its language data and compiles
    its patterns on its first use (~0.6 s and ~7 MiB); courlan builds the public-suffix
    trie (tld, ~2 MiB) on its first full domain lookup: here once, for every worker."""
    try:
        from htmldate.extractors import external_date_parser
        from tld import get_tld

        external_date_parser("2 January 2026", "%Y-%m-%d")
        get_tld("https://www.example.co.uk/", fail_silently=True)
    except (ImportError, AttributeError, ValueError):  # another version: each worker's own
        pass


def _worker(key: int, path: str, inherited: list[int], server: int) -> None:
    """The forked child: connect to the crawl and serve pages until it hangs up."""
    code = 0
    try:
        for fd in inherited:  # the server's: held here, they would outlive it
            os.close(fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)  # the server's input and output are not the worker's
        os.dup2(2, 1)
        os.close(devnull)
        sys.stdout = sys.stderr
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if not die_with_parent(server):  # the server died before that took hold
            return
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            with sock.makefile("rb") as reader:
                serve(reader, sock.sendall, hello={"key": key, "pid": os.getpid()})
    except (BrokenPipeError, ConnectionError, FileNotFoundError):
        code = 0  # the crawl went away: nothing to say
    except BaseException:  # noqa: BLE001 - a worker reports and exits, never returns
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


def _report(out: Any, message: dict[str, Any]) -> None:
    out.write(frame(json.dumps(message).encode()))
    out.flush()


def serve_forks(path: str, commands: Any, out: Any) -> None:
    """Fork a worker for each key read from *commands*; report each one's end on *out*.
    Once *commands* ends, wait a little for the workers to exit, then return."""
    children: dict[int, tuple[int, int]] = {}  # pidfd -> (key, pid)
    selector = selectors.DefaultSelector()
    selector.register(commands, selectors.EVENT_READ, "command")
    pending = b""
    parent = os.getpid()
    open_input = True
    while open_input or children:
        events = selector.select(timeout=None if open_input else _LAST_WAIT)
        if not events:
            return  # those still running go with us (PR_SET_PDEATHSIG)
        for event, _ in events:
            if event.data == "child":
                key, pid = children.pop(event.fd)
                selector.unregister(event.fd)
                os.close(event.fd)
                code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
                ended = {"ended": key, "code": max(code, 0), "signal": -code if code < 0 else None}
                _report(out, ended)
                continue
            chunk = os.read(commands.fileno(), 4096)
            if not chunk:  # the crawl is done: its workers end as it hangs up on them
                open_input = False
                selector.unregister(commands)
                continue
            *lines, pending = (pending + chunk).split(b"\n")
            for line in filter(None, (line.strip() for line in lines)):
                pid = os.fork()
                if pid == 0:
                    selector.close()
                    _worker(int(line), path, [out.fileno(), *children], parent)
                pidfd = os.pidfd_open(pid)
                children[pidfd] = (int(line), pid)
                selector.register(pidfd, selectors.EVENT_READ, "child")


def main() -> None:
    if not die_with_parent(int(sys.argv[2]) if len(sys.argv) > 2 else None):
        return  # the crawl died before that took hold
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the crawl stops its workers itself
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, never into the frames
    sys.stdout = sys.stderr
    warm_up()
    gc.collect()
    gc.freeze()
    _report(out, {"ready": True})
    serve_forks(sys.argv[1], sys.stdin, out)


if __name__ == "__main__":
    main()
