"""Compare full-text index designs for Chinese search in SQLite FTS5.

    python tests/bench/fts_chinese.py [--docs N]

Candidates, each an FTS5 table over title and text:

``archive``  what the archive uses (``storage/search.py``): every Han character a token,
             U+200B around and between them (a separator for FTS5's unicode61
             tokenizer, invisible in snippets), plus a hidden column of Han character
             bigrams; a query term is "the phrase of its characters AND the phrase of
             its bigrams" (a single character: its token).
``bigram``   every run of CJK characters indexed as overlapping character bigrams; a
             query is the phrase of its bigrams (exact substring semantics for >= 2
             characters), a single character a prefix query.
``trigram``  FTS5's trigram tokenizer on the raw text; a term of fewer than three
             characters falls back to ``LIKE '%term%'`` on the articles table (which
             Datasette's table search, always an FTS ``MATCH``, cannot do).

Measured: recall and precision against substring presence (``instr``) for the domain's key
terms and for every dictionary word of 2-4 characters found in the Chinese texts; index
size; indexing time; median query time for 2-character and longer terms on N documents.
The dictionary words are jieba's (the archive does not use it). The Chinese texts are the
fixture site's articles plus, when ``../shared`` is there, the
Chinese excerpts of the labelled dev set (read at run time, never copied).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for p in (str(ROOT), str(ROOT / "tests")):
    if p not in sys.path:
        sys.path.insert(0, p)

from storage import search, search_query

KEY_TERMS = [
    "哪吒", "汉服", "原神", "悟空", "国潮", "春节", "申遗", "马面裙", "黑神话", "魔童",
    "文化自信", "软实力", "流浪地球", "非遗", "动画电影", "海外", "文明对话", "尼山",
    "論壇", "軟實力", "文化", "票房", "游戏", "旅游",
]  # fmt: skip

CANDIDATES = ("archive", "bigram", "trigram")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def chinese_texts() -> list[tuple[str, str]]:
    from support import load_articles

    texts = [
        (a["title"], "\n".join(a["paras"])) for a in load_articles() if a["lang"].startswith("zh")
    ]
    dev = ROOT.parent / "shared" / "data" / "relevance-dev.jsonl"
    if dev.exists():
        for line in dev.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if (row.get("lang") or "").startswith("zh"):
                texts.append((row["title"], row["text"]))
    return texts


# ------------------------------------------------------------------ the candidates
def archive_query(q: str) -> str:
    return search_query.fts_query(q)


def bigram_doc(s: str) -> str:
    def grams(m: re.Match) -> str:
        run = m.group(0)
        if len(run) == 1:
            return f" {run} "
        return " " + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + " "

    return CJK.sub(grams, s)


def bigram_query(q: str) -> str:
    parts = []
    for term in q.split():
        if CJK.fullmatch(term) and len(term) == 1:
            parts.append(f'"{term}"*')
        else:
            parts.append('"' + bigram_doc(term).strip().replace('"', "") + '"')
    return " ".join(parts)


def build(db: sqlite3.Connection, name: str, docs: list[tuple[int, str, str]]) -> float:
    start = time.perf_counter()
    if name == "archive":
        db.execute(
            f"create virtual table {name} using fts5(title, text, grams, "
            f"tokenize='{search.SEARCH_TOKENIZER}')"
        )
        rows = ((i, *search.search_row(t, x).values()) for i, t, x in docs)
        db.executemany(f"insert into {name}(rowid, title, text, grams) values (?, ?, ?, ?)", rows)
        db.commit()
        return time.perf_counter() - start
    if name == "trigram":
        db.execute(f"create virtual table {name} using fts5(title, text, tokenize='trigram')")
        conv = lambda s: s
    else:
        db.execute(
            f"create virtual table {name} using fts5(title, text, "
            f"tokenize='{search.SEARCH_TOKENIZER}')"
        )
        conv = bigram_doc
    db.executemany(
        f"insert into {name}(rowid, title, text) values (?, ?, ?)",
        ((i, conv(t), conv(x)) for i, t, x in docs),
    )
    db.commit()
    return time.perf_counter() - start


def find(db: sqlite3.Connection, name: str, term: str) -> set[int]:
    if name == "trigram":
        if len(term) < 3:
            sql = "select id from docs where title like ? or text like ?"
            return {r[0] for r in db.execute(sql, [f"%{term}%", f"%{term}%"])}
        q = f'"{term}"'
    else:
        q = archive_query(term) if name == "archive" else bigram_query(term)
    return {r[0] for r in db.execute(f"select rowid from {name} where {name} match ?", [q])}


def index_bytes(db: sqlite3.Connection, name: str) -> int:
    return db.execute("select coalesce(sum(length(block)), 0) from " + name + "_data").fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20000, help="documents for the timings")
    args = parser.parse_args()

    import jieba

    texts = chinese_texts()
    print(f"{len(texts)} Chinese texts, {sum(len(t) + len(x) for t, x in texts)} characters")
    words = set()
    jieba.initialize()
    corpus = "\n".join(t + "\n" + x for t, x in texts)
    for word, freq in jieba.dt.FREQ.items():
        if freq and 2 <= len(word) <= 4 and CJK.fullmatch(word) and word in corpus:
            words.add(word)
    term_sets = {"key terms": KEY_TERMS, "dictionary words": sorted(words)}

    # recall / precision on the real texts
    db = sqlite3.connect(":memory:")
    db.execute("create table docs (id integer primary key, title text, text text)")
    docs = [(i + 1, t, x) for i, (t, x) in enumerate(texts)]
    db.executemany("insert into docs values (?, ?, ?)", docs)
    for name in CANDIDATES:
        build(db, name, docs)
    print(f"\n{'':22}{'archive':>18}{'bigram':>18}{'trigram+LIKE':>18}   (recall / precision)")
    for label, terms in term_sets.items():
        cells = []
        for name in CANDIDATES:
            tp = fn = fp = 0
            for term in terms:
                truth = {
                    r[0]
                    for r in db.execute(
                        "select id from docs where instr(title, ?) or instr(text, ?)", [term, term]
                    )
                }
                got = find(db, name, term)
                tp += len(truth & got)
                fn += len(truth - got)
                fp += len(got - truth)
            recall = tp / (tp + fn) if tp + fn else 1.0
            precision = tp / (tp + fp) if tp + fp else 1.0
            cells.append(f"{recall:.3f} / {precision:.3f}")
        print(f"{label + f' ({len(terms)})':22}" + "".join(f"{c:>18}" for c in cells))

    # size and speed on N documents (the texts repeated, mixed with English filler)
    rng = random.Random(1)
    english = "Cultural exports and the film industry abroad drew new audiences this year. " * 20
    big = []
    for i in range(args.docs):
        t, x = texts[i % len(texts)] if i % 3 == 0 else ("English headline", english)
        big.append((i + 1, t, x + f" {rng.random()}"))
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(str(Path(tmp) / "bench.db"))
        db.execute("create table docs (id integer primary key, title text, text text)")
        db.executemany("insert into docs values (?, ?, ?)", big)
        db.commit()
        raw = sum(len(t.encode()) + len(x.encode()) for _, t, x in big)
        print(f"\n{args.docs} documents, {raw / 1e6:.1f} MB of text")
        print(f"{'':22}{'index MB':>10}{'index s':>10}{'2-char ms':>11}{'3+ char ms':>11}")
        for name in CANDIDATES:
            seconds = build(db, name, big)
            timings: dict[bool, list[float]] = {True: [], False: []}
            for term in KEY_TERMS:
                for _ in range(3):
                    start = time.perf_counter()
                    find(db, name, term)
                    timings[len(term) == 2].append((time.perf_counter() - start) * 1000)
            print(
                f"{name:22}{index_bytes(db, name) / 1e6:>10.1f}{seconds:>10.1f}"
                f"{statistics.median(timings[True]):>11.1f}"
                f"{statistics.median(timings[False]):>11.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
