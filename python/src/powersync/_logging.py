"""Routes the library's log records to the standard ``logging`` module, logger "powersync".

The library only produces records at the level the "powersync" logger is enabled for when a
database opens (or when ``sync_log_level()`` is called after changing it), so disabled
levels cost nothing.
"""
from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("powersync")

# powersync.h levels -> logging levels
_TO_LOGGING = {0: 5, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
_installed_level: Any = None


def _native_level(level: int) -> int:
    if level <= 5:
        return 0  # TRACE
    if level <= logging.DEBUG:
        return 1
    if level <= logging.INFO:
        return 2
    if level <= logging.WARNING:
        return 3
    if level <= logging.ERROR:
        return 4
    return 5  # OFF


def _emit(level: int, message: str) -> None:
    logger.log(_TO_LOGGING.get(level, logging.ERROR), "%s", message)


def sync_log_level() -> None:
    """Makes the library log at the "powersync" logger's current effective level."""
    global _installed_level
    from ._loader import load

    level = _native_level(logger.getEffectiveLevel())
    if level == _installed_level:
        return
    native = load()
    native.set_logger(level, None if level == 5 else _emit)
    _installed_level = level


def _shutdown() -> None:
    global _installed_level
    from ._loader import load

    load().set_logger(5, None)
    _installed_level = 5
