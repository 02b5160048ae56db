"""The one Jinja2 environment of the outputs: the digest's page (``templates/digest.html``)
and an alert's e-mail (``templates/alert.html``).

Autoescape is on, so every title, text and URL from the archive is HTML-escaped; an
undefined name is an error (``StrictUndefined``), not an empty string. The filter ``plain``
puts a value on one line without control or format characters
(:func:`storage.outputs.text.plain`).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from storage.outputs.text import plain

if TYPE_CHECKING:
    import jinja2

__all__ = ["environment"]


@cache
def environment() -> jinja2.Environment:
    """The environment (built once, on first use: jinja2 is imported only then)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("storage.outputs", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["plain"] = plain
    return env
