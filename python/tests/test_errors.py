"""The exception hierarchy and the mapping of library status codes to it."""
from __future__ import annotations

import pytest

import powersync
from powersync import errors


@pytest.mark.parametrize("code, cls", [
    (1, powersync.InvalidArgumentError), (2, powersync.SqlError), (3, powersync.BusyError),
    (4, powersync.ClosedError), (5, powersync.AuthError), (6, powersync.NetworkError),
    (7, powersync.CallbackError), (8, powersync.OperationCancelledError), (9, powersync.InternalError),
])
def test_status_codes_map_to_classes(code, cls):
    error = errors._from_native(code, "native message", 19 if code == 2 else 0)
    assert type(error) is cls and isinstance(error, powersync.PowerSyncError)
    assert str(error) == "native message" and error.message == "native message"
    assert error.code == code and error.code.name == powersync._native.status_name(code).removesuffix("_ERROR")


def test_unknown_code_is_a_plain_powersync_error():
    error = errors._from_native(77, "", 0)
    assert type(error) is powersync.PowerSyncError and "77" in str(error)


def test_python_base_classes():
    assert issubclass(powersync.InvalidArgumentError, ValueError)
    assert issubclass(powersync.NetworkError, ConnectionError)
    assert issubclass(powersync.BusyError, powersync.SqlError)
    assert issubclass(powersync.EmptyResultError, LookupError)


def test_sql_error_keeps_the_sqlite_code():
    assert errors._from_native(2, "constraint", 2067).sqlite_code == 2067
