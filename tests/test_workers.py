"""Extraction in worker processes: a worker that dies or hangs on a page is replaced and the
page recorded as failed; every other page is archived.

The dying and the hanging are real (a worker process that exits at once, one that spins),
brought about by the worker protocol's documented test hook (``pipelines.workers.loop``), which
only a crawl started with ``CULTUREWATCH_WORKER_TEST_HOOKS=1`` has.
"""

from __future__ import annotations

import io
import json
import pickle
import struct
import time

import pytest
from support import FixtureServer, Route, run_python, write_settings, write_sources
from test_faults import article_html, crawl, news_site, rows

from pipelines.extraction.article import Article
from pipelines.stories.signatures import NUM_PERM, signature, unpack


def hostile_site(srv, pages: int, hooks: dict[int, str]) -> list[str]:
    """*pages* articles on *srv*, those in *hooks* carrying that worker test hook."""
    urls = news_site(srv, pages)
    for n, hook in hooks.items():
        srv.routes[f"/news/{n}.html"] = Route(
            article_html(n).replace("</body>", f"<!-- culturewatch-test:{hook} --></body>")
        )
    return urls


def stored_signatures_are_the_texts(db) -> int:
    """Assert that each stored story signature is its article text's; returns how many."""
    stored = rows(
        db,
        "select a.text, s.minhash from articles a join story_signatures s on s.article_id = a.id",
    )
    for text, blob in stored:
        assert unpack(blob) == signature(text)
    return len(stored)


def feed_crawl_files(tmp_path, srv, **settings):
    """The settings, sources (the site's feed) and archive of a crawl of *srv*."""
    config = tmp_path / "config"
    write_settings(config, **settings)
    sources = write_sources(
        tmp_path / "s.toml", [{"name": "s", "url": srv.url("/feed.xml"), "kind": "feed"}]
    )
    return config, sources, tmp_path / "a.db"


def test_a_worker_answers_with_the_story_signature_of_the_text(monkeypatch):
    from pipelines.workers.loop import serve

    monkeypatch.setenv("CULTUREWATCH_WORKER_VERBOSE", "1")  # logging stays as the tests have it

    frame = pickle.dumps((article_html(3).encode(), "http://127.0.0.1/news/3.html", None, "utf-8"))
    stdin = io.BytesIO(struct.pack(">I", len(frame)) + frame)
    sent: list[bytes] = []
    serve(stdin, sent.append)
    replies = [json.loads(chunk[4:]) for chunk in sent]
    assert replies[0] == {"ready": True}
    article = replies[1]["article"]
    assert article["text"] and len(article["signature"]) == NUM_PERM
    assert tuple(article["signature"]) == signature(article["text"])
    assert Article(**article).to_record().keys().isdisjoint({"signature"})  # not a column


@pytest.mark.slow  # an end-to-end crawl
def test_a_worker_that_dies_or_hangs_on_a_page_is_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("CULTUREWATCH_WORKER_TEST_HOOKS", "1")
    with FixtureServer() as srv:
        urls = hostile_site(srv, 10, {2: "crash", 5: "hang"})
        config, sources, db = feed_crawl_files(
            tmp_path, srv, **{"crawl.extract_workers": 2, "crawl.extract_timeout": 3}
        )
        started = time.monotonic()
        result = crawl(config, sources, db)
        assert result.returncode == 0, result.stdout + result.stderr
        assert time.monotonic() - started < 60
        hostile = {urls[2], urls[5]}
        archived = {u for (u,) in rows(db, "select url from articles")}
        assert archived == set(urls) - hostile  # the other workers' pages, and after them
        failed = dict(rows(db, "select url, error from pages where outcome = 'failed'"))
        assert set(failed) == hostile
        assert "worker died on this page (exit status 70)" in failed[urls[2]], failed
        assert "longer than 3s" in failed[urls[5]], failed
        assert "failed pages 2" in result.stdout
        # the signatures the workers computed are the ones the text has (pipelines.stories.signatures)
        assert stored_signatures_are_the_texts(db) == len(archived)
        # fetched again by a later crawl (RetryPolicy), not given up at once
        assert rows(db, "select attempts from pages where url = ?", urls[2]) == [(1,)]


def test_a_page_in_extraction_when_the_crawl_stops_is_not_an_attempt(tmp_path, monkeypatch):
    import signal

    from test_faults import _start

    monkeypatch.setenv("CULTUREWATCH_WORKER_TEST_HOOKS", "1")
    with FixtureServer() as srv:
        urls = hostile_site(srv, 4, {1: "hang"})
        config, sources, db = feed_crawl_files(
            tmp_path, srv, **{"crawl.extract_workers": 1, "crawl.extract_timeout": 60}
        )
        proc = _start(config, sources, db, capture=True)
        deadline = time.monotonic() + 30  # every page fetched: the hanging one is in its worker
        while any(not srv.requests(u) for u in urls):
            assert time.monotonic() < deadline, "the pages were not all fetched"
            time.sleep(0.1)
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert rows(db, "select status from runs") == [("interrupted",)], out + err
    # the page being extracted, and those waiting behind it, were never tried: no attempt
    stopped = rows(db, "select outcome from pages where url = ?", urls[1])
    assert stopped == [], (stopped, out, err)


@pytest.mark.slow  # an end-to-end crawl
def test_the_fork_server_is_started_again_when_it_dies(tmp_path, monkeypatch):
    """The process the workers are forked from is killed mid-crawl: its workers die with it,
    a new one is started, and every other page is archived by the workers it forks."""
    monkeypatch.setenv("CULTUREWATCH_WORKER_TEST_HOOKS", "1")
    with FixtureServer() as srv:
        urls = hostile_site(srv, 12, {3: "kill-fork-server"})
        config, sources, db = feed_crawl_files(tmp_path, srv, **{"crawl.extract_workers": 2})
        result = crawl(config, sources, db)
    assert result.returncode == 0, result.stdout + result.stderr
    archived = {u for (u,) in rows(db, "select url from articles")}
    failed = dict(rows(db, "select url, error from pages where outcome = 'failed'"))
    # the server cannot say how its workers ended: the page's worker simply died; the other
    # worker died with the server, and the page it was on failed, no more than that
    assert urls[3] in failed, failed
    assert len(failed) <= 2 and all("worker died on this page" in e for e in failed.values())
    assert archived == set(urls) - set(failed)
    assert len(archived) >= len(urls) - 2


@pytest.mark.slow  # an end-to-end crawl
def test_the_crawls_process_loads_no_extraction_or_signature_library(tmp_path):
    """With workers, the crawl's process files what they send: trafilatura, numpy and
    datasketch (~40 MiB with their imports) stay in the workers, the stories are made."""
    with FixtureServer() as srv:
        urls = news_site(srv, 4)
        config, sources, db = feed_crawl_files(tmp_path, srv, **{"crawl.extract_workers": 1})
        probe = (
            "import atexit, runpy, sys\n"
            "heavy = ('numpy', 'trafilatura', 'datasketch', 'jieba')\n"
            "atexit.register(lambda: print('loaded:', sorted(m for m in heavy "
            "if m in sys.modules), file=sys.stderr))\n"
            "sys.argv = ['culturewatch', *sys.argv[1:]]\n"
            "runpy.run_module('crawler', run_name='__main__')\n"
        )
        args = ["--config", str(config), "--sources", str(sources), "--db", str(db)]
        result = run_python(probe, "crawl", *args, "--allow-private-networks", check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "loaded: []" in result.stderr.splitlines(), result.stderr
        assert stored_signatures_are_the_texts(db) == len(urls)


def test_the_fork_server_holds_the_justext_stop_words_once():
    """The set trafilatura's justext fallback is given is justext's own, made of the very
    strings of trafilatura's tuple (one copy, shared by every worker); other stoplists are
    still justext's."""
    script = (
        "from justext import core\n"
        "from trafilatura import external\n"
        "from pipelines.workers.fork_server import _justext_stoplist\n"
        "words = external.jt_stoplist_init()\n"
        "theirs = core.define_stoplist(words)\n"
        "core.define_stoplist.cache_clear()\n"
        "_justext_stoplist()\n"
        "ours = core.define_stoplist(external.JT_STOPLIST)\n"
        "print(external.JT_STOPLIST is words, ours == theirs, len(ours) > 10000,\n"
        "      {id(w) for w in ours} == {id(w) for w in words},\n"
        "      core.define_stoplist(('The', 'a')) == frozenset({'the', 'a'}))\n"
    )
    out = run_python(script).stdout.split()
    assert out == ["True"] * 5
