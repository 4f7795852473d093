"""Sync Streams: ``db.sync_stream(name, params).subscribe(ttl=..., priority=...)``.

A subscription asks the sync service for a stream's data while any handle of it is alive;
after ``unsubscribe()`` (of the last handle) the data stays for the subscription's TTL.
Subscriptions are stored in the database, so they survive restarts.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Mapping, Optional, Union

if TYPE_CHECKING:
    from .database import PowerSyncDatabase


def _params_json(params: Optional[Mapping[str, Any]]) -> Optional[str]:
    return None if params is None else json.dumps(dict(params), sort_keys=True)


@dataclass(frozen=True)
class SyncStreamStatus:
    """The sync state of one stream (an entry of ``SyncStatus.streams``)."""

    name: str
    parameters: Optional[dict[str, Any]]
    active: bool  # the service included it in its last checkpoint
    is_default: bool  # synced without a subscription (auto_subscribe)
    has_explicit_subscription: bool
    expires_at: Optional[datetime]
    has_synced: bool
    last_synced_at: Optional[datetime]
    priority: Optional[int]
    downloaded_operations: Optional[int] = None  # while downloading
    total_operations: Optional[int] = None


class SyncStreamSubscription:
    """A handle keeping a stream subscribed. ``unsubscribe()`` (or leaving ``with``) releases it."""

    def __init__(self, handle: Any, database: "PowerSyncDatabase", parameters: Optional[dict[str, Any]]) -> None:
        self._handle = handle
        self._database = database
        self.name: str = handle.name
        self.parameters = parameters

    def wait_for_first_sync(self, timeout: Optional[float] = None) -> bool:
        """Blocks until the stream's data has synced once; False if ``timeout`` seconds passed."""
        return self._handle.wait_for_first_sync(-1 if timeout is None else int(timeout * 1000))

    async def wait_for_first_sync_async(self) -> None:
        """Waits, without blocking the event loop, until the stream's data has synced once."""
        async with self._database.status_stream() as statuses:
            async for status in statuses:
                entry = status.for_stream(self.name, self.parameters)
                if entry is not None and entry.has_synced:
                    return

    def unsubscribe(self) -> None:
        self._handle.unsubscribe()

    @property
    def active(self) -> bool:
        return self._handle.active

    def __enter__(self) -> "SyncStreamSubscription":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.unsubscribe()

    def __repr__(self) -> str:
        return f"SyncStreamSubscription({self.name!r}, {self.parameters!r})"


class SyncStream:
    """A stream with parameters, from ``db.sync_stream(name, params)``."""

    def __init__(self, database: "PowerSyncDatabase", name: str, parameters: Optional[Mapping[str, Any]]) -> None:
        self._database = database
        self.name = name
        self.parameters = dict(parameters) if parameters is not None else None

    def subscribe(self, *, ttl: Union[float, timedelta, None] = None,
                  priority: Optional[int] = None) -> SyncStreamSubscription:
        """Subscribes (again, renewing the TTL). ``ttl``: how long the data stays after the last
        handle is released (seconds or timedelta; default one day). ``priority``: 0 (highest)..3."""
        ttl_seconds = None
        if ttl is not None:
            ttl_seconds = int(ttl.total_seconds() if isinstance(ttl, timedelta) else ttl)
        handle = self._database._native.subscribe_stream(self.name, _params_json(self.parameters), ttl_seconds,
                                                         priority)
        return SyncStreamSubscription(handle, self._database, self.parameters)

    async def subscribe_async(self, *, ttl: Union[float, timedelta, None] = None,
                              priority: Optional[int] = None) -> SyncStreamSubscription:
        return await asyncio.to_thread(lambda: self.subscribe(ttl=ttl, priority=priority))

    def unsubscribe_all(self) -> None:
        """Drops the subscription at once, whatever handles exist."""
        self._database._native.unsubscribe_all_stream(self.name, _params_json(self.parameters))

    def __repr__(self) -> str:
        return f"SyncStream({self.name!r}, {self.parameters!r})"
