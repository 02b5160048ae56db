"""Load and validate the files under ``config/`` into typed objects.

Nothing here runs at import time: callers pass the directory (or file) they want.
``files`` finds the configuration and reads its files, ``settings`` and ``sources``
check ``settings.toml`` and sources files; ``load_themes`` compiles ``themes.toml``
with the scorer's rules (``pipelines.scoring.themes``).
"""

from crawler.config.files import (
    DEFAULT_DB,
    ConfigError,
    config_dir,
    config_file,
    default_db_path,
    defaults_dir,
    editable,
    load_themes,
    read_toml,
)
from crawler.config.settings import SETTINGS_SCHEMA, Settings, load_settings
from crawler.config.sources import (
    DISCOVERY_KINDS,
    SOURCE_FIELDS,
    SOURCE_KINDS,
    Source,
    load_sources,
)

__all__ = [
    "DEFAULT_DB",
    "DISCOVERY_KINDS",
    "SETTINGS_SCHEMA",
    "SOURCE_FIELDS",
    "SOURCE_KINDS",
    "ConfigError",
    "Settings",
    "Source",
    "config_dir",
    "config_file",
    "default_db_path",
    "defaults_dir",
    "editable",
    "load_settings",
    "load_sources",
    "load_themes",
    "read_toml",
]
