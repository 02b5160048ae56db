"""Relevance: articles scored against the themes, and what the analysts' labels say of it.

Modules: ``themes`` (compiling ``themes.toml``), ``matcher`` (finding every alias in a
text), ``relevance`` (the scorer), ``rescore`` (``culturewatch score`` and ``rescore``),
``evaluation``, ``suggestions`` and ``calibration`` (``culturewatch evaluate``).

How an article is scored
------------------------
Every extracted article is scored against the six themes of ``config/themes.toml`` before it
is archived, relevant or not (so a change of themes can promote it later with
``culturewatch rescore``). Each theme lists its evidence as concepts: the aliases of one name
or phrase in English, simplified and traditional Chinese and other languages, with a
weight. Generic terms ("box office", "soft power", "UNESCO") sit in a theme's ``context``
table and count only in an article about China (an anchor such as China, 中国 or Beijing is
present and other countries are not mentioned more often). Chinese is matched without word
boundaries; Latin script on whole words. Title hits weigh double, repeats saturate
(BM25-style), long articles need proportionally more mentions, and a single mention of a
single concept is only a passing mention (the steps: :mod:`pipelines.scoring.relevance`).

The result: ``relevance`` in 0..1, ``relevant`` (at least ``relevance.threshold``, 0.5, or
the main theme's own ``threshold``: see below), ``themes`` (the themes it is about, strongest
first), per-theme scores in ``article_themes``, and the ``evidence`` (per theme: each
concept found, named by its first alias in ``term``, the words that matched in ``matched``,
as ``themes.toml`` writes them or, for an alias with ``*``, as the text has them, how often
in title and body, the points they gave). ``culturewatch score FILE...`` shows the same for
files on disk.

How good the scores are (``culturewatch evaluate``)
---------------------------------------------------
- **Overall**: predicted is the archive's ``relevant`` column, the truth the label of the
  article as a whole: precision, recall and F1 with the counts (``tp``, ``fp``, ``fn``,
  ``tn``, ``n``) and a 95% Wilson interval for precision and recall. A few dozen labels is
  normal; below 30 behind a figure the report says so (``few_labels`` in JSON): the interval
  shows how little a difference of a few points means then.
- **Per theme**: predicted when the theme is in ``themes``; the truth is the label for that
  theme, else a "not relevant" label of the article (no theme is right for it), else a
  "relevant" label of the article confirms the themes the scorer listed (and says nothing
  of the others).
- The **false positives and negatives** (as a whole, or about one theme), each with the
  words that made its score and the notes.
- **Suggestions** to paste into ``themes.toml``: the lines of the concepts that matched most
  often in false positives (more than in true ones), with half their weight; and words of
  two or more missed relevant articles that are rare in the archive (the search index
  counts them; Chinese is split into words) and named by no theme or anchor, as new lines,
  with the table to put them in.

``culturewatch evaluate --json`` gives precision, recall, f1, n, ... and ``themes.KEY.{...}``.

Thresholds per theme
--------------------
An article is relevant when its relevance reaches the threshold of its main theme (the
theme it scores highest on): that theme's ``threshold`` in ``themes.toml`` when it sets one,
else ``relevance.threshold``. ``culturewatch evaluate --calibrate`` tries, per theme, every
threshold on the labelled articles mainly about it and shows the one with the best F1
(placed midway between the relevance it keeps and the next one below), with the figures
before and after and how many archived articles would become relevant or stop being so; it
needs at least 5 such articles, relevant and not. Nothing changes until ``culturewatch
evaluate --apply``, which writes ``threshold = ...`` under ``[themes.KEY]`` (only that line:
comments and everything else stay as they are); then ``culturewatch rescore``.

Quality gates (``tests/quality/``, figures checked against ``baselines.json``)
----------------------------------------------------------------------------
- the labelled dev set (``../shared``), ``python tests/quality/eval_relevance.py --check``:
  F1 1.00, hard-negative false positives 0 %, Chinese recall 1.00, 0.08 ms per excerpt;
- the project's own probe set of 90 excerpts written blind to the themes,
  ``python tests/quality/eval_relevance.py --data tests/quality/relevance-probe.jsonl
  --check``: F1 0.949, hard-negative false positives 3 %, Chinese recall 1.00.

The dev-set figure is optimistic (the themes were written with it at hand); the probe set
is the fairer estimate of what a new set of the same kind gives. A new relevance signal
goes into the scorer with a variant in ``tests/bench/relevance_ablation.py`` that switches
it off, to show what it buys.

Languages: the glossary
-----------------------
``config/glossary.toml``, beside ``themes.toml`` and read with it
(:mod:`pipelines.scoring.glossary`; a configuration directory without one reads the glossary
shipped with culturewatch, and says so in one info line; an empty one keeps English and
Chinese only), gives each concept its local forms in the languages the
analysts read (Japanese, Korean, Vietnamese, Thai, Indonesian, French, Spanish, Portuguese,
Italian, German, Dutch, Polish, Russian, Ukrainian, Turkish, Arabic, Hindi): local release
titles, genre words, soft-power terms, and per language the words for China, for China as a
market or venue ("in China", 中国市場) and for other countries and their cultural industries.
Titles and names count anywhere; generic local words sit in a ``context`` table and count,
like the themes' context terms, only where China is the subject near them
(:mod:`pipelines.scoring.subject`: "Japanese anime tops the box office in China" does not
unlock "box office"; "the Chinese film market" names no Chinese film). Each script is matched
as it is written (:mod:`pipelines.scoring.matcher`: Thai and hangul anywhere, katakana as a
word, Arabic after joined clitics), and the evidence names the local form that matched.
``limits_resistance`` is a secondary theme: listed beside the others when its own words are
there, never the reason an article is relevant. Gates: the multilingual dev set
(``../shared/data/relevance-dev-multilingual.jsonl``, 155 excerpts in 16 languages),
``python tests/quality/eval_relevance.py --data ...multilingual.jsonl --check`` (per
language group and language, ``relevance_multilingual`` in ``baselines.json``); 252 real
general-news pages, ``python tests/quality/eval_news_stream.py --check`` (none flagged); and
``python tests/quality/relevance_crossval.py`` for figures the tuning did not see (k-fold by
item, words fitted to one item, ablations of each subject rule).
"""
