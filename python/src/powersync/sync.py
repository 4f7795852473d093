"""Syncing: the backend connector, credentials, the sync status and the connector dispatch.

The engine asks for credentials and uploads from its sync worker thread through request
objects. Those are handed to a small worker thread of this module that calls the
connector's method; ``async def`` methods run on the event loop that was running when
``connect()`` was called (or on a private loop thread when there was none). The engine is
never blocked by Python code, and an exception in a connector method becomes the status'
download or upload error, after which the engine retries.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Union

from .streams import SyncStreamStatus
from .watch import _Stream

if TYPE_CHECKING:
    from .database import PowerSyncDatabase

logger = logging.getLogger("powersync")
Seconds = Union[float, int, timedelta]


@dataclass(frozen=True)
class PowerSyncCredentials:
    """Where the sync service is and the token (a JWT) to present to it."""

    endpoint: str
    token: str
    expires_at: Optional[datetime] = None  # the engine refreshes credentials before then

    def __repr__(self) -> str:  # never show the token
        return f"PowerSyncCredentials(endpoint={self.endpoint!r}, token=<hidden>, expires_at={self.expires_at!r})"


class PowerSyncBackendConnector:
    """Connects the database to your backend. Override both methods; either may be ``async def``.

    ``fetch_credentials()`` returns PowerSyncCredentials, or None when no user is signed in.
    ``upload_data(database)`` sends queued writes (``database.get_next_crud_transaction()`` or
    ``get_crud_batch()``) to your backend API and completes them; raising makes the engine
    retry after the retry delay.
    """

    def fetch_credentials(self) -> Any:
        raise NotImplementedError

    def upload_data(self, database: "PowerSyncDatabase") -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class SyncPriorityStatus:
    priority: int
    has_synced: bool
    last_synced_at: Optional[datetime]


@dataclass(frozen=True)
class ProgressWithOperations:
    downloaded_operations: int
    total_operations: int

    @property
    def fraction(self) -> float:
        return self.downloaded_operations / self.total_operations if self.total_operations else 0.0


@dataclass(frozen=True)
class DownloadProgress(ProgressWithOperations):
    """Operations downloaded so far in the current sync, overall and per priority."""

    by_priority: Mapping[int, ProgressWithOperations] = field(default_factory=dict)

    def until_priority(self, priority: int) -> ProgressWithOperations:
        """Progress of buckets of ``priority`` and higher priorities (lower numbers)."""
        return self.by_priority.get(priority, ProgressWithOperations(0, 0))


def _time(ms: Optional[int]) -> Optional[datetime]:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc) if ms is not None and ms >= 0 else None


@dataclass(frozen=True)
class SyncStatus:
    """An immutable snapshot of the sync state."""

    connected: bool = False
    connecting: bool = False
    downloading: bool = False
    uploading: bool = False
    has_synced: bool = False  # a full sync has completed at some point
    last_synced_at: Optional[datetime] = None
    download_error: Optional[str] = None  # last failure of the stream or of fetch_credentials
    upload_error: Optional[str] = None  # last failure of upload_data
    download_progress: Optional[DownloadProgress] = None  # while downloading
    priority_status_entries: tuple[SyncPriorityStatus, ...] = ()
    streams: tuple[SyncStreamStatus, ...] = ()  # explicit subscriptions and default streams

    @property
    def any_error(self) -> Optional[str]:
        return self.download_error or self.upload_error

    def status_for_priority(self, priority: int) -> SyncPriorityStatus:
        """Whether buckets of ``priority`` (and higher) have synced, as the official SDKs."""
        for entry in sorted(self.priority_status_entries, key=lambda e: e.priority):
            if entry.priority >= priority:
                return entry
        return SyncPriorityStatus(priority, self.has_synced, self.last_synced_at)

    def for_stream(self, stream: Any, parameters: Optional[Mapping[str, Any]] = None) -> Optional[SyncStreamStatus]:
        """The status of a stream: a SyncStream or subscription, or a name and parameters."""
        if not isinstance(stream, str):
            stream, parameters = stream.name, stream.parameters
        wanted = dict(parameters) if parameters is not None else None
        for entry in self.streams:
            if entry.name == stream and entry.parameters == wanted:
                return entry
        return None

    @classmethod
    def from_json(cls, text: str) -> "SyncStatus":
        data = json.loads(text)
        progress = data.get("download_progress")
        return cls(
            connected=bool(data.get("connected")),
            connecting=bool(data.get("connecting")),
            downloading=bool(data.get("downloading")),
            uploading=bool(data.get("uploading")),
            has_synced=bool(data.get("has_synced")),
            last_synced_at=_time(data.get("last_synced_at")),
            download_error=data.get("download_error"),
            upload_error=data.get("upload_error"),
            download_progress=None if progress is None else DownloadProgress(
                progress["downloaded"], progress["total"],
                {p["priority"]: ProgressWithOperations(p["downloaded"], p["total"])
                 for p in progress.get("priorities", [])}),
            priority_status_entries=tuple(
                SyncPriorityStatus(p["priority"], bool(p["has_synced"]), _time(p.get("last_synced_at")))
                for p in data.get("priorities", [])),
            streams=tuple(
                SyncStreamStatus(
                    name=st["name"], parameters=st.get("parameters"), active=bool(st.get("active")),
                    is_default=bool(st.get("is_default")),
                    has_explicit_subscription=bool(st.get("has_explicit_subscription")),
                    expires_at=_time(st.get("expires_at")), has_synced=bool(st.get("has_synced")),
                    last_synced_at=_time(st.get("last_synced_at")), priority=st.get("priority"),
                    downloaded_operations=(st.get("progress") or {}).get("downloaded"),
                    total_operations=(st.get("progress") or {}).get("total"))
                for st in data.get("streams", [])),
        )


class StatusStream(_Stream[SyncStatus]):
    """``async for status in db.status_stream()``: the current status, then each change
    (only the newest when the consumer is slower than the changes)."""

    def __init__(self, register: Callable[[Callable[..., None]], Any], current: Callable[[], SyncStatus]) -> None:
        super().__init__(register)
        self._current = current

    def _start(self) -> None:
        if self._loop is None:
            super()._start()
            self._push(self._current())

    def _convert(self, text: str) -> Any:
        return SyncStatus.from_json(text)


def milliseconds(value: Optional[Seconds], name: str) -> Optional[int]:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 0:
        raise ValueError(f"{name} must not be negative")
    return int(round(seconds * 1000))


class _Worker:
    """A daemon thread running jobs in order (daemon: it never holds up interpreter exit)."""

    def __init__(self, name: str) -> None:
        self._jobs: "queue.Queue[Optional[Callable[[], None]]]" = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def stop(self) -> None:
        self._jobs.put(None)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()


class _PrivateLoop:
    """An event loop on a daemon thread, for ``async def`` connector methods of a database
    connected outside any running loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="powersync-connector-loop", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


class ConnectorDispatch:
    """Runs the connector's methods for one connection and finishes the engine's requests."""

    def __init__(self, database: "PowerSyncDatabase", connector: PowerSyncBackendConnector) -> None:
        self._database = database
        self._connector = connector
        try:
            self._loop: Optional[asyncio.AbstractEventLoop] = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        self._private: Optional[_PrivateLoop] = None
        self._lock = threading.Lock()
        self._credentials = _Worker("powersync-credentials")
        self._uploads = _Worker("powersync-upload")

    # Called by the engine on its sync worker thread: hand over and return at once.
    def fetch_credentials(self, request: Any) -> None:
        self._credentials.submit(lambda: self._run_fetch(request))

    def upload_data(self, request: Any) -> None:
        self._uploads.submit(lambda: self._run_upload(request))

    def close(self) -> None:
        self._credentials.stop()
        self._uploads.stop()
        with self._lock:
            if self._private is not None:
                self._private.stop()
                self._private = None

    def _call(self, method: Callable[..., Any], *args: Any) -> Any:
        result = method(*args)
        if inspect.isawaitable(result):
            loop = self._loop
            if loop is None or loop.is_closed():
                with self._lock:
                    if self._private is None:
                        self._private = _PrivateLoop()
                    loop = self._private.loop
            result = asyncio.run_coroutine_threadsafe(_await(result), loop).result()
        return result

    def _run_fetch(self, request: Any) -> None:
        try:
            credentials = self._call(self._connector.fetch_credentials)
            if credentials is None:
                request.signed_out()
                return
            if isinstance(credentials, Mapping):
                credentials = PowerSyncCredentials(**credentials)
            expires = credentials.expires_at
            expires_ms = int(expires.timestamp() * 1000) if expires is not None else 0
            request.complete(credentials.endpoint, credentials.token, expires_ms)
        except BaseException as e:  # noqa: BLE001 - any failure becomes the status' error
            logger.warning("fetch_credentials failed: %s: %s", type(e).__name__, e)
            _fail(request, f"fetch_credentials failed: {type(e).__name__}: {e}")

    def _run_upload(self, request: Any) -> None:
        try:
            self._call(self._connector.upload_data, self._database)
            request.complete()
        except BaseException as e:  # noqa: BLE001
            logger.warning("upload_data failed: %s: %s", type(e).__name__, e)
            _fail(request, f"upload_data failed: {type(e).__name__}: {e}")


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _fail(request: Any, message: str) -> None:
    try:
        if request.open:
            request.fail(message)
    except Exception:
        pass
