"""The chart of a digest (``YYYY-MM-DD.png``): theme volume over the chart's days.

Deterministic: a fixed style, font and size, and no time stamp or software tag in the PNG,
so the same digest gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, cast

from storage.outputs.view import Digest

__all__ = ["render_chart"]


def render_chart(digest: Digest) -> bytes:
    """The theme volume of the chart's days as a PNG (no time stamp or software tag)."""
    import matplotlib
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    days = [d.day for d in digest.daily]
    with (
        matplotlib.style.context("default"),
        matplotlib.rc_context(
            {
                "font.family": "DejaVu Sans",
                "font.size": 9,
                "axes.spines.top": False,
                "axes.spines.right": False,
            }
        ),
    ):
        fig = Figure(figsize=(10, 3.6), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        xs = list(range(len(days)))
        colours = list(
            cast(Sequence[Any], cast(ListedColormap, matplotlib.colormaps["tab10"]).colors)
        )
        bottom = [0] * len(xs)
        for index, theme in enumerate(digest.theme_counts):
            ys = [d.counts.get(theme.theme, 0) for d in digest.daily]
            ax.bar(
                xs,
                ys,
                bottom=bottom,
                width=0.8,
                label=theme.label,
                color=colours[index % len(colours)],
            )
            bottom = [b + y for b, y in zip(bottom, ys, strict=True)]
        ticks = [i for i in xs if (len(xs) - 1 - i) % 5 == 0]
        ax.set_xticks(ticks, [days[i].strftime("%d %b") for i in ticks])
        ax.set_xlim(-0.6, len(xs) - 0.4)
        ax.set_ylim(0, max(1, max(bottom)) * 1.05)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("relevant articles per theme")
        ax.set_title(
            f"Theme volume, {days[0]:%d %b} to {days[-1]:%d %b %Y} ({digest.timezone})",
            loc="left",
        )
        ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
