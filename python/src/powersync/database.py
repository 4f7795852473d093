"""PowerSyncDatabase: the local database, its queries, transactions, watches and upload queue.

Every method has a blocking form for scripts; the ones that can wait (for the writer, for a
query) also have an ``*_async`` form that runs in a worker thread, so an event loop never
blocks. The native calls release the GIL while they run.
"""
from __future__ import annotations

import asyncio
import atexit
import weakref
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Iterable, Iterator, Optional, Sequence, TypeVar, overload

from . import _logging
from ._loader import load
from .crud import CrudBatch, CrudEntry, CrudTransaction, _entries, iter_transactions
from .errors import ClosedError, EmptyResultError
from .schema import Schema
from .streams import SyncStream
from .sync import (ConnectorDispatch, PowerSyncBackendConnector, Seconds, StatusStream, SyncStatus, milliseconds)
from ._version import __version__
from .watch import ChangeStream, Subscription, WatchQuery, change_callback, watch_callback

Row = dict[str, Any]
"""A result row: column name -> value (None, int, float, str or bytes)."""
Params = Optional[Sequence[Any]]
T = TypeVar("T")

_native = load()
_open_databases: "weakref.WeakSet[PowerSyncDatabase]" = weakref.WeakSet()


@dataclass(frozen=True)
class ExecuteResult:
    """What ``execute`` returns: rows of ``... RETURNING`` (if any) and the statement's counters."""

    rows: list[Row]
    rows_affected: int
    last_insert_id: int


@dataclass(frozen=True)
class UploadQueueStats:
    count: int
    size_bytes: int


class _Queries:
    """The query methods shared by the database and its transactions."""

    def _run(self, sql: str, params: Params) -> tuple:
        raise NotImplementedError

    def _rows(self, sql: str, params: Params) -> list[Row]:
        raise NotImplementedError

    def execute(self, sql: str, params: Params = None) -> ExecuteResult:
        """Runs one statement (a write, or anything with RETURNING)."""
        rows, affected, last_id = self._run(sql, params)
        return ExecuteResult(rows, affected, last_id)

    def get_all(self, sql: str, params: Params = None) -> list[Row]:
        """All rows of a query."""
        return self._rows(sql, params)

    def get_optional(self, sql: str, params: Params = None) -> Optional[Row]:
        """The first row of a query, or None."""
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def get(self, sql: str, params: Params = None) -> Row:
        """The first row of a query; raises EmptyResultError when there is none."""
        rows = self._rows(sql, params)
        if not rows:
            raise EmptyResultError(f"query returned no rows: {sql}")
        return rows[0]


class Transaction(_Queries):
    """A read or write transaction, from ``read_transaction()`` / ``write_transaction()``.

    The context manager commits a write transaction when its block ends normally and rolls
    back when it raises; ``commit()`` and ``rollback()`` end it early."""

    def __init__(self, handle: Any, write: bool) -> None:
        self._handle = handle
        self.is_write = write
        self._open = True

    def _run(self, sql: str, params: Params) -> tuple:
        self._check()
        return self._handle.execute(sql, params)

    def _rows(self, sql: str, params: Params) -> list[Row]:
        self._check()
        return self._handle.get_all(sql, params)

    def _check(self) -> None:
        if not self._open:
            raise ClosedError("the transaction has already been committed or rolled back")

    def commit(self) -> None:
        self._check()
        self._open = False
        try:
            self._handle.commit()
        finally:
            self._handle.free()

    def rollback(self) -> None:
        self._check()
        self._open = False
        try:
            self._handle.rollback()
        finally:
            self._handle.free()

    def _finish(self, failed: bool) -> None:
        if not self._open:
            return
        if failed or not self.is_write:
            self.rollback()  # a read transaction has nothing to commit
        else:
            self.commit()


class _TransactionContext:
    """``with db.write_transaction() as tx`` and ``async with db.write_transaction() as tx``."""

    def __init__(self, begin: Callable[[], Any], write: bool) -> None:
        self._begin = begin
        self._write = write
        self._tx: Optional[Transaction] = None

    def __enter__(self) -> Transaction:
        self._tx = Transaction(self._begin(), self._write)
        return self._tx

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        assert self._tx is not None
        self._tx._finish(exc_type is not None)

    async def __aenter__(self) -> Transaction:
        handle = await asyncio.to_thread(self._begin)
        self._tx = Transaction(handle, self._write)
        return self._tx

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        assert self._tx is not None
        await asyncio.to_thread(self._tx._finish, exc_type is not None)


class PowerSyncDatabase(_Queries):
    """A local PowerSync database.

    >>> db = PowerSyncDatabase(schema=schema, path="app.db")
    >>> db.execute("INSERT INTO todos(id, description) VALUES (uuid(), ?)", ["milk"])
    >>> db.get_all("SELECT * FROM todos")

    ``path`` defaults to a private in-memory database. Use it as a context manager (``with`` or
    ``async with``) or call ``close()``.
    """

    def __init__(self, schema: Schema, path: str = ":memory:", *, reader_count: int = 4, wal: bool = True,
                 busy_timeout_ms: int = 30000, cache_size_kib: Optional[int] = None) -> None:
        _logging.sync_log_level()
        self.schema = schema
        self.path = path
        self._native = _native.Database.open(schema.to_json(), path, reader_count, wal, busy_timeout_ms,
                                             cache_size_kib or 0)
        self._sync: Any = None  # the sync client, once connect() was called
        self._subscriptions: set = set()  # callback subscriptions live until closed
        _open_databases.add(self)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._native.closed

    @property
    def client_id(self) -> str:
        """This database's stable client id."""
        return self._native.client_id

    def get_client_id(self) -> str:
        return self._native.client_id

    def close(self) -> None:
        """Disconnects, rolls back open transactions, stops every watch and closes. Idempotent."""
        self._native.close()
        if self._sync is not None:
            self._sync.close()
            self._sync = None
        self._subscriptions.clear()
        _open_databases.discard(self)

    async def close_async(self) -> None:
        await asyncio.to_thread(self.close)

    def __enter__(self) -> "PowerSyncDatabase":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    async def __aenter__(self) -> "PowerSyncDatabase":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close_async()

    def __repr__(self) -> str:
        return f"PowerSyncDatabase(path={self.path!r}{', closed' if self.closed else ''})"

    def update_schema(self, schema: Schema) -> None:
        """Replaces the schema; data of tables that remain is kept."""
        self._native.update_schema(schema.to_json())
        self.schema = schema

    # -- queries -----------------------------------------------------------------------------

    def _run(self, sql: str, params: Params) -> tuple:
        return self._native.execute(sql, params)

    def _rows(self, sql: str, params: Params) -> list[Row]:
        return self._native.get_all(sql, params)

    def execute_batch(self, sql: str, param_sets: Iterable[Params]) -> int:
        """Runs a statement once per parameter list in one transaction; returns rows affected."""
        return self._native.execute_batch(sql, list(param_sets))

    async def execute_async(self, sql: str, params: Params = None) -> ExecuteResult:
        return await asyncio.to_thread(self.execute, sql, params)

    async def get_all_async(self, sql: str, params: Params = None) -> list[Row]:
        return await asyncio.to_thread(self.get_all, sql, params)

    async def get_async(self, sql: str, params: Params = None) -> Row:
        return await asyncio.to_thread(self.get, sql, params)

    async def get_optional_async(self, sql: str, params: Params = None) -> Optional[Row]:
        return await asyncio.to_thread(self.get_optional, sql, params)

    async def execute_batch_async(self, sql: str, param_sets: Iterable[Params]) -> int:
        return await asyncio.to_thread(self.execute_batch, sql, list(param_sets))

    # -- transactions ------------------------------------------------------------------------

    @overload
    def read_transaction(self) -> _TransactionContext: ...
    @overload
    def read_transaction(self, callback: Callable[[Transaction], T]) -> T: ...

    def read_transaction(self, callback: Optional[Callable[[Transaction], T]] = None) -> Any:
        """A read transaction on one consistent snapshot: ``with db.read_transaction() as tx``
        (or ``async with``), or ``db.read_transaction(lambda tx: ...)``."""
        context = _TransactionContext(self._native.begin_read, write=False)
        return context if callback is None else _run_in(context, callback)

    @overload
    def write_transaction(self) -> _TransactionContext: ...
    @overload
    def write_transaction(self, callback: Callable[[Transaction], T]) -> T: ...

    def write_transaction(self, callback: Optional[Callable[[Transaction], T]] = None) -> Any:
        """A write transaction, committed when the block (or callback) succeeds and rolled back
        when it raises: ``with db.write_transaction() as tx`` (or ``async with``)."""
        context = _TransactionContext(self._native.begin_write, write=True)
        return context if callback is None else _run_in(context, callback)

    # -- watching ----------------------------------------------------------------------------

    @overload
    def watch(self, sql: str, params: Params = None, *, throttle_ms: int = 30,
              skip_identical: bool = False) -> WatchQuery: ...
    @overload
    def watch(self, sql: str, params: Params = None, *, on_result: Callable[[list[Row]], Any],
              on_error: Optional[Callable[[Exception], Any]] = None, throttle_ms: int = 30,
              skip_identical: bool = False) -> Subscription: ...

    def watch(self, sql: str, params: Params = None, *, on_result: Optional[Callable[[list[Row]], Any]] = None,
              on_error: Optional[Callable[[Exception], Any]] = None, throttle_ms: int = 30,
              skip_identical: bool = False) -> Any:
        """Watches a query: its rows now, then again after each commit changing a table it reads.

        Without ``on_result``: an async iterator (``async for rows in db.watch(...)``). With it:
        ``on_result(rows)`` is called (on the running event loop, if there is one) until the
        returned Subscription is closed."""
        params_list = list(params) if params is not None else None

        def register(fn: Callable[..., None]) -> Any:
            return self._native.watch(sql, params_list, throttle_ms, skip_identical, fn)

        if on_result is None:
            return WatchQuery(register)
        return watch_callback(register, on_result, on_error, self._subscriptions)

    @overload
    def on_change(self, tables: Sequence[str], *, throttle_ms: int = 30) -> ChangeStream: ...
    @overload
    def on_change(self, tables: Sequence[str], *, callback: Callable[[set[str]], Any],
                  throttle_ms: int = 30) -> Subscription: ...

    def on_change(self, tables: Sequence[str], *, callback: Optional[Callable[[set[str]], Any]] = None,
                  throttle_ms: int = 30) -> Any:
        """Notifies about committed changes to ``tables``: an async iterator of the changed table
        names, or ``callback(tables)`` until the returned Subscription is closed."""
        if isinstance(tables, str):
            tables = [tables]
        names = list(tables)

        def register(fn: Callable[..., None]) -> Any:
            return self._native.on_change(names, throttle_ms, fn)

        if callback is None:
            return ChangeStream(register)
        return change_callback(register, callback, self._subscriptions)

    # -- upload queue ------------------------------------------------------------------------

    def get_crud_batch(self, limit: int = 100) -> Optional[CrudBatch]:
        """Up to ``limit`` of the oldest queued changes, or None when the queue is empty."""
        handle = self._native.get_crud_batch(limit)
        if handle is None:
            return None
        return CrudBatch(_entries(handle), handle.has_more, handle)

    def get_next_crud_transaction(self) -> Optional[CrudTransaction]:
        """The changes of the oldest local transaction, or None when the queue is empty."""
        handle = self._native.get_next_crud_transaction()
        if handle is None:
            return None
        entries = _entries(handle)
        return CrudTransaction(entries, handle.has_more, handle, entries[0].transaction_id)

    def iter_crud_transactions(self) -> Iterator[CrudTransaction]:
        """Every queued local transaction, oldest first."""
        return iter_transactions(self._native)

    async def get_crud_transactions(self) -> AsyncIterator[CrudTransaction]:
        """``async for tx in db.get_crud_transactions()``: every queued local transaction,
        oldest first (completing each one is up to the caller)."""
        iterator = iter_transactions(self._native)
        while True:
            tx = await asyncio.to_thread(next, iterator, None)
            if tx is None:
                return
            yield tx

    # -- sync ------------------------------------------------------------------------------

    def connect(self, connector: PowerSyncBackendConnector, *, params: Optional[dict[str, Any]] = None,
                retry_delay: Seconds = 5.0, crud_upload_throttle: Seconds = 1.0,
                include_default_streams: bool = True, app_metadata: Optional[dict[str, str]] = None,
                stream_idle_timeout: Optional[Seconds] = None, ca_bundle_path: Optional[str] = None) -> None:
        """Starts syncing through ``connector`` (replacing an earlier connection) and returns at
        once; progress and failures show in ``current_status``.

        ``params`` are connection parameters (``connection.parameter('x')`` in sync streams);
        ``retry_delay`` and ``crud_upload_throttle`` are seconds (or timedelta). ``async def``
        connector methods run on the event loop running now, if any."""
        import json

        dispatch = ConnectorDispatch(self, connector)
        try:
            self._native.connect(dispatch.fetch_credentials, dispatch.upload_data,
                                 json.dumps(params) if params is not None else None,
                                 json.dumps(app_metadata) if app_metadata is not None else None,
                                 include_default_streams, milliseconds(retry_delay, "retry_delay"),
                                 milliseconds(crud_upload_throttle, "crud_upload_throttle"),
                                 milliseconds(stream_idle_timeout, "stream_idle_timeout"),
                                 f"powersync-python/{__version__}", ca_bundle_path)
        except BaseException:
            dispatch.close()
            raise
        previous, self._sync = self._sync, dispatch
        if previous is not None:
            previous.close()

    async def connect_async(self, connector: PowerSyncBackendConnector, **options: Any) -> None:
        """``connect()`` for async code (it does not block; this is for symmetry)."""
        self.connect(connector, **options)

    def disconnect(self) -> None:
        """Stops syncing; once it returns no connector method is called any more."""
        self._native.disconnect()
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    async def disconnect_async(self) -> None:
        await asyncio.to_thread(self.disconnect)

    def disconnect_and_clear(self, clear_local: bool = True) -> None:
        """Disconnects and deletes all synced data and the upload queue (and, with
        ``clear_local``, the rows of local-only tables)."""
        self._native.disconnect_and_clear(clear_local)
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    async def disconnect_and_clear_async(self, clear_local: bool = True) -> None:
        await asyncio.to_thread(self.disconnect_and_clear, clear_local)

    @property
    def current_status(self) -> SyncStatus:
        """The current sync status snapshot."""
        return SyncStatus.from_json(self._native.get_sync_status())

    status = current_status

    @property
    def connected(self) -> bool:
        return self.current_status.connected

    def status_stream(self) -> StatusStream:
        """``async for status in db.status_stream()``: the current status, then every change."""
        return StatusStream(self._native.on_sync_status, lambda: self.current_status)

    def on_status_change(self, callback: Callable[[SyncStatus], Any]) -> Subscription:
        """Calls ``callback(status)`` on each status change (on the running event loop, if any)
        until the returned Subscription is closed."""
        from .watch import _deliver, _running_loop

        subscription = Subscription(self._subscriptions)
        loop = _running_loop()
        subscription._listener = self._native.on_sync_status(
            lambda text: _deliver(loop, callback, SyncStatus.from_json(text)))
        return subscription

    def wait_for_first_sync(self, priority: Optional[int] = None, timeout: Optional[Seconds] = None) -> bool:
        """Blocks until a full sync (or a sync of buckets of ``priority`` and higher) has
        completed; False if ``timeout`` (seconds) passed first. Raises ClosedError on close.
        In async code use ``wait_for_first_sync_async()``: blocking the event loop here would
        also hold up ``async def`` connector methods scheduled on it."""
        timeout_ms = milliseconds(timeout, "timeout")
        return self._native.wait_for_first_sync(-1 if priority is None else priority,
                                                -1 if timeout_ms is None else timeout_ms)

    async def wait_for_first_sync_async(self, priority: Optional[int] = None) -> None:
        """Waits (without blocking the loop) until a full sync, or a sync of buckets of
        ``priority`` and higher, has completed."""
        def done(status: SyncStatus) -> bool:
            return status.has_synced if priority is None else status.status_for_priority(priority).has_synced

        async with self.status_stream() as statuses:
            async for status in statuses:
                if done(status):
                    return

    def sync_stream(self, name: str, params: Optional[dict[str, Any]] = None) -> SyncStream:
        """A Sync Stream with parameters; ``.subscribe(ttl=..., priority=...)`` syncs it."""
        return SyncStream(self, name, params)

    def get_upload_queue_stats(self) -> UploadQueueStats:
        count, size = self._native.upload_queue_stats()
        return UploadQueueStats(count, size)


def _run_in(context: _TransactionContext, callback: Callable[[Transaction], T]) -> T:
    with context as tx:
        return callback(tx)


@atexit.register
def _close_all() -> None:
    """At exit: disconnect and close what the program left open, then stop the logger, so no
    library thread calls into an interpreter that is shutting down."""
    for db in list(_open_databases):
        try:
            db.close()
        except Exception:
            pass
    _logging._shutdown()


__all__ = ["PowerSyncDatabase", "Transaction", "ExecuteResult", "UploadQueueStats", "Row", "CrudEntry"]
