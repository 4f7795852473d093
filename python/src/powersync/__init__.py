"""PowerSync for Python: a local SQLite database kept in sync with your backend by the
PowerSync protocol, over the powersync-cpp engine (libpowersync, shipped in this package).

    from powersync import PowerSyncDatabase, Schema, Table, Column
"""
from __future__ import annotations

from ._loader import load as _load
from ._version import __version__

_native = _load()

#: The version of the bundled libpowersync, e.g. "0.1.0".
library_version: str = _native.library_version()
#: The SQLite version built into libpowersync.
sqlite_version: str = _native.sqlite_version()

from .crud import CrudBatch, CrudEntry, CrudTransaction, UpdateType  # noqa: E402
from .database import ExecuteResult, PowerSyncDatabase, Row, Transaction, UploadQueueStats  # noqa: E402
from .errors import (  # noqa: E402
    AuthError,
    BusyError,
    CallbackError,
    ClosedError,
    EmptyResultError,
    InternalError,
    InvalidArgumentError,
    NetworkError,
    OperationCancelledError,
    PowerSyncError,
    SqlError,
    StatusCode,
)
from .schema import Column, ColumnType, Index, IndexedColumn, Schema, Table, TrackPreviousValues  # noqa: E402
from .sync import (DownloadProgress, PowerSyncBackendConnector, PowerSyncCredentials,  # noqa: E402
                   ProgressWithOperations, StatusStream, SyncPriorityStatus, SyncStatus)
from .streams import SyncStream, SyncStreamStatus, SyncStreamSubscription  # noqa: E402
from .watch import ChangeStream, Subscription, WatchQuery  # noqa: E402

__all__ = [
    "__version__", "library_version", "sqlite_version",
    "PowerSyncDatabase", "Transaction", "ExecuteResult", "UploadQueueStats", "Row",
    "Schema", "Table", "Column", "ColumnType", "Index", "IndexedColumn", "TrackPreviousValues",
    "CrudEntry", "CrudBatch", "CrudTransaction", "UpdateType",
    "WatchQuery", "ChangeStream", "Subscription",
    "PowerSyncBackendConnector", "PowerSyncCredentials", "SyncStatus", "SyncPriorityStatus", "DownloadProgress",
    "ProgressWithOperations", "StatusStream", "SyncStream", "SyncStreamSubscription", "SyncStreamStatus",
    "PowerSyncError", "SqlError", "BusyError", "ClosedError", "AuthError", "NetworkError", "CallbackError",
    "OperationCancelledError", "InternalError", "InvalidArgumentError", "EmptyResultError", "StatusCode",
]
