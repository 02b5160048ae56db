"""``python -m crawler`` is the ``culturewatch`` command."""

from crawler.cli import main

main()
