"""Where a page names its authors, in order of trust, and the names chosen from it.

The evidence (:func:`page_evidence`, after the JSON-LD ``author`` of :func:`ld_authors`):
``<meta>`` authors (``name=author``, ``article:author``, ``dc.creator``...; never a URL),
``rel=author`` links, microdata (``itemprop=author``), byline elements by class
(``byline``, ``author``...), the article's short texts opening with a byline's word ("Von
Seb Dumitru", "By Jane Doe", "记者 李静怡"); then trafilatura's guess; a name printed after
an author label (``<strong>Autor</strong> Jane Doe``), links to an author's page; and the
names on a line of their own atop the body (:func:`lead_byline`). An element is read a child at a time
("Von" / "Jasper Riemann" / "Barbara Schneider", not "VonJasper RiemannBarbara Schneider").

:func:`choose_authors`: the people of the most trusted evidence that names one; an agency
or an editorial team credited there instead is the author (a wire story names no person);
the site's own name or a CMS account (``/author/admin/``) is passed over for weaker
evidence naming a person, and is the author only when none does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from pipelines.extraction import vocabulary
from pipelines.extraction.authors import is_agency, is_staff, looks_like_name, split_authors
from pipelines.extraction.jsonld import article_objects, clean, labelled, types_of

__all__ = ["choose_authors", "ld_accounts", "ld_authors", "lead_byline", "page_evidence"]

_PERSON = "Person"
# evidence whose every name is taken (a weaker one must look like a byline)
_STRONG = ("jsonld", "meta", "trafilatura")


# ---------------------------------------------------------------------------- JSON-LD
def _account(entry: dict[str, Any]) -> bool:
    pattern = vocabulary.pattern("account")
    return any(pattern.search(str(entry.get(k) or "")) for k in ("@id", "url"))


def ld_accounts(objects: list[dict[str, Any]]) -> list[str]:
    """Names of JSON-LD authors that are a CMS account (``/author/admin/``), not a person."""
    found = []
    for obj in article_objects(objects):
        raw = obj.get("author")
        for entry in raw if isinstance(raw, list) else [raw]:
            if isinstance(entry, dict) and _account(entry):
                found.append(clean(entry.get("name")))
    return [n for n in found if n]


def ld_authors(objects: list[dict[str, Any]]) -> list[str]:
    """The JSON-LD ``author`` (or ``creator``) of the article: its people, an organisation
    only when no person is named; objects, arrays, strings and ``@id`` references."""
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str) and o.get("name")}
    people: list[str] = []
    organisations: list[str] = []
    for obj in article_objects(objects):
        raw = obj.get("author") or obj.get("creator")
        for entry in raw if isinstance(raw, list) else [raw]:
            if isinstance(entry, dict) and not entry.get("name") and entry.get("@id") in by_id:
                entry = by_id[entry["@id"]]
            if isinstance(entry, dict):
                name, kind = clean(entry.get("name")), types_of(entry)
            else:
                name, kind = clean(entry), _PERSON
            if not name:
                continue
            if _PERSON in kind or not kind:
                people.extend(split_authors(name))
            else:
                organisations.append(name)
        if people or organisations:
            break
    return list(dict.fromkeys(people or organisations))


# ---------------------------------------------------------------------------- the page
def _lines(element: Any) -> list[str]:
    """The texts of *element*, a child at a time (short ones: a byline's parts)."""
    texts = [clean(t) for t in element.itertext()]
    return [t for t in texts if t and len(t) <= 80]


def _meta_values(tree: Any) -> list[str]:
    wanted = {name: i for i, name in enumerate(vocabulary.AUTHOR_META)}
    found = []
    for meta in tree.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").casefold()
        text = clean(meta.get("content"))
        if key in wanted and text and not re.match(r"^(?:https?:|www\.|/)", text):
            found.append((wanted[key], text))
    return [text for _, text in sorted(found, key=lambda f: f[0])]


def _by_class(tree: Any) -> list[Any]:
    """The elements of each byline class (:data:`~vocabulary.BYLINE_CLASSES`), in the
    list's order, the first five of each."""
    buckets: dict[str, list[Any]] = {word: [] for word in vocabulary.BYLINE_CLASSES}
    for element in tree.iter():
        classes = element.get("class") if isinstance(element.tag, str) else None
        if not classes:
            continue
        folded = classes.casefold()
        for word, bucket in buckets.items():
            if word in folded and len(bucket) < 5:
                bucket.append(element)
    return [e for bucket in buckets.values() for e in bucket]


def _author_links(tree: Any) -> list[Any]:
    """Links to an author's page (:data:`~vocabulary.AUTHOR_PATHS`): the article's first."""
    paths = vocabulary.AUTHOR_PATHS
    links = [a for a in tree.iter("a") if any(p in (a.get("href") or "") for p in paths)]
    inside = [a for a in links if any(x.tag == "article" for x in a.iterancestors())]
    return (inside[:5] + links[:5])[:10]


def _marked(tree: Any) -> list[Any]:
    """The article's short elements whose text opens with a byline's word ("Von Seb
    Dumitru, Lille", "von <a>Dr. Max Kolter</a>", "记者 李静怡"), the first five; not in a
    link, a navigation, an aside or a footer (a teaser's byline)."""
    scopes = tree.xpath("//article") or tree.xpath("//body")
    found = []
    for element in (e for scope in scopes for e in scope.iter()):
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "a"):
            continue
        head = clean(element.text)
        if not head or not (
            vocabulary.pattern("by").match(head + " ")
            or vocabulary.pattern("role_before").match(head + " ")
        ):
            continue
        teaser = any(a.tag in ("a", "nav", "aside", "footer") for a in element.iterancestors())
        if not teaser and len(clean(element.text_content())) <= 80:
            found.append(element)
            if len(found) >= 5:
                break
    return found


def page_evidence(tree: Any) -> list[tuple[str, list[str]]]:
    """(kind, texts) of each evidence of the authors after JSON-LD, strongest first; of
    the elements, the first five of each kind."""
    found: list[tuple[str, list[str]]] = [("meta", _meta_values(tree))]
    elements = [
        *(("rel", e) for e in tree.xpath("//a[@rel='author']")[:5]),
        *(("microdata", e) for e in tree.xpath("//*[@itemprop='author']")[:5]),
        *(("byline", e) for e in _by_class(tree)),
        *(("marked", e) for e in _marked(tree)),
    ]
    for kind, element in elements:
        names = element.xpath(".//*[@itemprop='name']")
        texts = [clean(n.get("content") or n.text_content()) for n in names] or _lines(element)
        found.append((kind, texts))
    found.append(("label", labelled(tree, vocabulary.pattern("label_author"), limit=1)))
    found.extend(("link", _lines(a)) for a in _author_links(tree))
    return found


# ---------------------------------------------------------------------------- the choice
def _is_junk(name: str) -> bool:
    """A label, a role or a widget rather than a name ("Autoren", "Follow")."""
    return bool(
        vocabulary.pattern("social").search(name) or vocabulary.pattern("junk").search(name)
    )


def _byline_names(text: str) -> list[str]:
    """The names of *text* when it reads as a byline (one name at least looks like a
    person's, none has digits or more than ``name_words`` words), else []."""
    names = [n for n in split_authors(text) if not _is_junk(n)]
    if (
        names
        and any(looks_like_name(n) for n in names)
        and all(
            len(n.split()) <= vocabulary.LIMITS["name_words"] and not re.search(r"\d", n)
            for n in names
        )
    ):
        return names
    return []


def _names(kind: str, texts: Iterable[str]) -> list[str]:
    """The names *texts* give as evidence of *kind*: all of a strong kind's; of a weaker
    kind, those of the texts that read as a byline."""
    if kind in _STRONG:
        return [n for t in texts for n in split_authors(t) if not _is_junk(n)]
    return [n for t in texts for n in _byline_names(t)]


def lead_byline(text: str | None, is_person: Callable[[str], bool]) -> list[str]:
    """The names on a line of their own among the first ``lead_lines`` of the body, the
    byline many CMS pages type above the article ("Jane Doe", "A/B"), else []."""
    for line in (text or "").splitlines()[: vocabulary.LIMITS["lead_lines"]]:
        line = line.strip()
        if not line or len(line) > 80 or re.search(r"[.!?:]$", line) or line[0] in "-*•…":
            continue  # a sentence, a heading or a list item (breadcrumbs, a menu)
        names = [n for n in split_authors(line) if not _is_junk(n)]
        if names and all(looks_like_name(n) and is_person(n) for n in names):
            return names
    return []


def choose_authors(
    evidence: Iterable[tuple[str, list[str]]],
    not_person: Callable[[str], bool],
    text: str | None = None,
) -> list[str]:
    """The authors from *evidence* ((kind, names or texts), strongest first; ``jsonld``'s
    are names): the module doc's choice; *not_person*: the site's name or an account."""
    passed_over: list[str] = []  # the site or an account, named by the strongest evidence
    for kind, texts in evidence:
        names = list(texts) if kind == "jsonld" else _names(kind, texts)
        people = [n for n in names if not not_person(n) and not is_agency(n) and not is_staff(n)]
        credits = [n for n in names if not not_person(n) and n not in people]
        if people:
            return list(dict.fromkeys(people + credits))[:20]
        if credits:
            return list(dict.fromkeys(credits))[:20]
        if names and not passed_over:
            passed_over = names
    if passed_over:
        return lead_byline(text, lambda n: not not_person(n)) or passed_over[:20]
    return []
