"""The exit statuses of ``culturewatch`` commands, in one place for every module that sets
or reads them (the CLI sets them; the scheduler reads a crawl process's)."""

from __future__ import annotations

__all__ = ["EXIT_BUSY", "EXIT_CONFIG", "EXIT_FAILED", "EXIT_UNREACHABLE"]

EXIT_FAILED = 1  # the job could not run: an archive, crawl or system error
EXIT_CONFIG = 2  # a configuration error
EXIT_UNREACHABLE = 69  # a crawl reached no source at all (offline?): EX_UNAVAILABLE
EXIT_BUSY = 75  # another crawl (or a rescore) holds the archive: EX_TEMPFAIL of sysexits.h
