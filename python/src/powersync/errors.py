"""The exceptions of the package: one base class, one subclass per kind of failure.

Every exception raised for a failed library call carries the library's message, its status
``code`` (see :class:`StatusCode`) and, for SQL errors, the SQLite extended result code.
"""
from __future__ import annotations

from enum import IntEnum
from typing import Optional


class StatusCode(IntEnum):
    """The library's status codes (``powersync_status`` in powersync.h)."""

    OK = 0
    INVALID_ARGUMENT = 1
    SQL = 2
    BUSY = 3
    CLOSED = 4
    AUTH = 5
    NETWORK = 6
    CALLBACK_FAILED = 7
    CANCELLED = 8
    INTERNAL = 9


class PowerSyncError(Exception):
    """Base class of every error raised by powersync."""

    code: StatusCode = StatusCode.INTERNAL

    def __init__(self, message: str, *, code: Optional[int] = None, sqlite_code: int = 0) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            try:
                self.code = StatusCode(code)
            except ValueError:  # a newer library's code: keep the number
                self.code = code  # type: ignore[assignment]
        self.sqlite_code = sqlite_code


class InvalidArgumentError(PowerSyncError, ValueError):
    """A bad argument: an invalid schema, a NULL where a value is required, a bad option."""

    code = StatusCode.INVALID_ARGUMENT


class SqlError(PowerSyncError):
    """SQLite rejected a statement (syntax, constraint, ...); ``sqlite_code`` says which."""

    code = StatusCode.SQL


class BusyError(SqlError):
    """The database stayed locked for longer than the busy timeout."""

    code = StatusCode.BUSY


class ClosedError(PowerSyncError):
    """The database, transaction or subscription was already closed."""

    code = StatusCode.CLOSED


class AuthError(PowerSyncError):
    """Credentials were missing or rejected by the sync service."""

    code = StatusCode.AUTH


class NetworkError(PowerSyncError, ConnectionError):
    """The sync service could not be reached."""

    code = StatusCode.NETWORK


class CallbackError(PowerSyncError):
    """A callback supplied by the application reported a failure."""

    code = StatusCode.CALLBACK_FAILED


class OperationCancelledError(PowerSyncError):
    """The operation was cancelled (for example by ``disconnect()``)."""

    code = StatusCode.CANCELLED


class InternalError(PowerSyncError):
    """A bug in powersync: please report it with the message."""

    code = StatusCode.INTERNAL


class EmptyResultError(PowerSyncError, LookupError):
    """``get()`` found no row."""

    code = StatusCode.OK


_BY_CODE = {
    cls.code: cls
    for cls in (InvalidArgumentError, SqlError, BusyError, ClosedError, AuthError, NetworkError, CallbackError,
                OperationCancelledError, InternalError)
}


def _from_native(code: int, message: str, sqlite_code: int) -> PowerSyncError:
    """Builds the exception for a failed library call (used by the native module)."""
    try:
        cls = _BY_CODE.get(StatusCode(code), PowerSyncError)
    except ValueError:
        cls = PowerSyncError
    return cls(message or f"powersync call failed with status {code}", code=code, sqlite_code=sqlite_code)
