"""The digest as one self-contained page (``YYYY-MM-DD.html``, the chart embedded).

The page is the Jinja2 template ``templates/digest.html``, rendered with autoescape on
(:mod:`storage.outputs.templating`), so every title, text and URL from the archive is
HTML-escaped; only http(s) URLs become links.
"""

from __future__ import annotations

import base64

from storage.outputs.templating import environment
from storage.outputs.view import AVERAGE_DAYS, CHART_DAYS, LABELLED_DAYS, Digest

__all__ = ["render_html"]


def render_html(digest: Digest, chart_png: bytes) -> str:
    """One self-contained page embedding *chart_png*."""
    page = (
        environment()
        .get_template("digest.html")
        .render(
            d=digest,
            chart=base64.b64encode(chart_png).decode("ascii"),
            chart_days=CHART_DAYS,
            average_days=AVERAGE_DAYS,
            labelled_days=LABELLED_DAYS,
        )
    )
    return page.rstrip("\n") + "\n"
