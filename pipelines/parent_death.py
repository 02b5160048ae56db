"""A worker process that dies with the process it serves (:func:`die_with_parent`).

The crawl's extraction fork server and its workers (:mod:`pipelines.workers`) and the
scoring processes of a parallel ``rescore`` (:mod:`pipelines.scoring.rescore`) hold nothing
the archive needs: killed with ``kill -9``, their parent must not leave them running.
"""

from __future__ import annotations

import os
import signal

__all__ = ["die_with_parent"]

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> bool:
    """Linux: this process is sent SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG).

    With *parent* (the pid it was started by), False when that parent had died already,
    before the request took hold (the usual race: then no signal will come, and the
    caller exits). Elsewhere, nothing is done and True returned."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return True
    return parent is None or os.getppid() == parent
