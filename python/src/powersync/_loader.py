"""Loads the native module and refuses a libpowersync of another version than the one the
module was compiled against (a stale or foreign library next to it, or preloaded)."""
from __future__ import annotations

import atexit
from types import ModuleType

from . import errors
from ._version import __version__


def check_versions(header_number: int, header_version: str, library_number: int, library_version: str,
                   package_version: str) -> None:
    """Raises ImportError unless the loaded library is the one the binding was built for."""
    if library_number != header_number:
        raise ImportError(
            f"powersync: the native library libpowersync {library_version} (version number {library_number}) "
            f"does not match the version the Python binding was built against, {header_version} "
            f"(version number {header_number}); reinstall the powersync package so that both come from one build"
        )
    if library_version != package_version:
        raise ImportError(
            f"powersync: the native library is version {library_version} but the Python package is "
            f"{package_version}; reinstall the powersync package so that both come from one build"
        )


_loaded: "ModuleType | None" = None


def load() -> ModuleType:
    """The native module, loaded and checked once."""
    global _loaded
    if _loaded is not None:
        return _loaded
    try:
        from . import _native
    except ImportError as e:  # pragma: no cover - depends on a broken installation
        raise ImportError(f"powersync: cannot load the native module or libpowersync next to it: {e}") from e
    check_versions(_native.HEADER_VERSION_NUMBER, _native.HEADER_VERSION, _native.library_version_number(),
                   _native.library_version(), __version__)
    _native.set_error_factory(errors._from_native)
    # Interpreter exit: callbacks from library threads must stop entering Python first.
    atexit.register(_native.shutdown)
    _loaded = _native
    return _native
