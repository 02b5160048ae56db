"""The front page's failing-sources banner: when sources fail, the page says so first.

A Datasette plugin of its own (registered by :func:`storage.web.serve.build_datasette`):
on the home page it adds ``cw_failing`` (:func:`storage.failing.failing_sources`) and
``cw_health`` (the ``source_health`` query's URL); the template
``_failing_sources.html``, included by ``index.html``, shows the sentence, louder when
every source failed. Nothing shows when no source failed.
"""

from __future__ import annotations

from typing import Any

from storage.failing import HEALTH_QUERY, failing_sources
from storage.web.hooks import hookimpl
from storage.web.names import DATABASE_NAME

__all__ = ["extra_template_vars"]


@hookimpl()
def extra_template_vars(view_name: str, datasette: Any) -> Any:
    async def inner() -> dict[str, Any]:
        if view_name != "index" or DATABASE_NAME not in datasette.databases:
            return {}
        db = datasette.get_database(DATABASE_NAME)
        return {
            "cw_failing": await db.execute_fn(failing_sources),
            "cw_health": datasette.urls.database(DATABASE_NAME) + "/" + HEALTH_QUERY,
        }

    return inner
