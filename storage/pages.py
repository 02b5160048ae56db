"""What became of a fetched article page, and when a failed one is fetched again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["FINAL_OUTCOMES", "RETRY_OUTCOMES", "RetryPolicy"]

# Outcomes of a fetched article URL after which it is never fetched again
# ("unresolved": a search engine's link whose publisher URL could not be found;
# "too_large": over the size limit, or a compressed bomb; "given_up": failed too often).
FINAL_OUTCOMES = (
    "archived",
    "duplicate",
    "not_html",
    "empty",
    "gone",
    "unresolved",
    "too_large",
    "given_up",
)
# Outcomes after which the URL is fetched again by a later crawl, under a RetryPolicy
# ("deferred": the server asked for a wait longer than the crawl will hold a request).
RETRY_OUTCOMES = ("failed", "refused", "deferred")


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed article page is fetched again: after ``spacing`` seconds, doubling
    after each failure, at most ``attempts`` fetches in all; then it is given up."""

    attempts: int = 4
    spacing: float = 3600.0

    def next_try(self, attempts: int, now: datetime) -> datetime:
        return now + timedelta(seconds=self.spacing * 2 ** max(attempts - 1, 0))
