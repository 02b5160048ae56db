"""What one alerts run did for one alert and target, and how the CLI and the scheduler's log
say it ("sent 2 stories, 3 articles", "nothing new", "FAILED (...): why")."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Outcome"]


@dataclass(frozen=True)
class Outcome:
    """What one run did for one alert and target (``feed`` for its Atom feed)."""

    alert: str
    target: str
    status: str  # sent | failed | nothing | would_send | written | not_run
    stories: int = 0
    articles: int = 0
    detail: str = ""  # the error, or the feed's path
    send_id: str = ""

    def described(self) -> str:
        """What it did, with its counts: "sent 2 stories, 3 articles", "nothing new"..."""
        counts = (
            f"{self.stories} stor{'y' if self.stories == 1 else 'ies'}, {self.articles} articles"
        )
        return {
            "sent": f"sent {counts}",
            "would_send": f"would send {counts}" + (f" ({self.detail})" if self.detail else ""),
            "nothing": "nothing new",
            "written": f"feed of {counts} -> {self.detail}",
            "failed": f"FAILED ({counts}): {self.detail}",
        }.get(self.status, f"{self.status} {self.detail}".strip())
