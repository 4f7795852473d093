"""Watch queries and change notifications, as async iterators and as callbacks.

The library calls back on its notifier thread. Async iterators hand each result to their
event loop with ``call_soon_threadsafe`` and keep only the newest result while the consumer
is busy (a watch is a view of the current state, not a log). Callbacks registered while an
event loop runs in the calling thread are called on that loop; otherwise on the notifier
thread. The library holds the Python callable only through a weak reference to the
subscription, so dropping a subscription stops it.
"""
from __future__ import annotations

import asyncio
import weakref
from typing import Any, Callable, Generic, Optional, TypeVar

from .errors import _from_native

T = TypeVar("T")
_EMPTY = object()


def _running_loop() -> Optional[asyncio.AbstractEventLoop]:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _deliver(loop: Optional[asyncio.AbstractEventLoop], fn: Callable[..., Any], *args: Any) -> None:
    if loop is None:
        fn(*args)
        return
    try:
        loop.call_soon_threadsafe(fn, *args)
    except RuntimeError:
        pass  # the loop is closed: nobody is listening any more


class Subscription:
    """A registered callback. It runs until ``close()`` (or the end of a ``with`` block) or
    until the database closes; the database keeps it alive until then."""

    def __init__(self, keep_alive: Optional[set] = None) -> None:
        self._listener: Any = None
        self._keep_alive = keep_alive
        if keep_alive is not None:
            keep_alive.add(self)

    def close(self) -> None:
        listener, self._listener = self._listener, None
        if self._keep_alive is not None:
            self._keep_alive.discard(self)
        if listener is not None:
            listener.remove()

    @property
    def closed(self) -> bool:
        return self._listener is None

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _Stream(Subscription, Generic[T]):
    """An async iterator over the values a listener produces; merges values the consumer has
    not taken yet (``_merge``) instead of queueing them."""

    def __init__(self, register: Callable[[Callable[..., None]], Any]) -> None:
        super().__init__()
        self._register = register
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._pending: Any = _EMPTY
        self._waiter: Optional[asyncio.Future[None]] = None

    def _start(self) -> None:
        if self._loop is not None:
            return
        self._loop = asyncio.get_running_loop()
        ref = weakref.ref(self)
        loop = self._loop

        def on_native(*args: Any) -> None:  # notifier thread
            stream = ref()
            if stream is not None:
                value = stream._convert(*args)
                _deliver(loop, _Stream._push_ref, ref, value)

        self._listener = self._register(on_native)

    @staticmethod
    def _push_ref(ref: "weakref.ref[_Stream[Any]]", value: Any) -> None:
        stream = ref()
        if stream is not None:
            stream._push(value)

    def _push(self, value: Any) -> None:
        self._pending = value if self._pending is _EMPTY else self._merge(self._pending, value)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _convert(self, *args: Any) -> Any:
        raise NotImplementedError

    def _merge(self, older: Any, newer: Any) -> Any:
        return newer

    def __aiter__(self) -> "_Stream[T]":
        self._start()
        return self

    async def __anext__(self) -> T:
        self._start()
        while self._pending is _EMPTY:
            if self.closed:
                raise StopAsyncIteration
            assert self._loop is not None
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        value, self._pending = self._pending, _EMPTY
        if isinstance(value, BaseException):
            raise value
        return value

    def close(self) -> None:
        super().close()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def aclose(self) -> None:
        self.close()

    def __del__(self) -> None:  # nobody can consume an unreferenced iterator
        try:
            self.close()
        except Exception:
            pass

    async def __aenter__(self) -> "_Stream[T]":
        self._start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()


class WatchQuery(_Stream[list]):
    """``async for rows in db.watch(sql, params)``: the query's rows now, then after every
    commit that changed a table it reads. A failing query raises SqlError from ``__anext__``;
    iteration can go on afterwards."""

    def _convert(self, status: int, message: Optional[str], rows: Optional[list]) -> Any:
        if rows is None:
            return _from_native(status, message or "watch query failed", 0)
        return rows


class ChangeStream(_Stream[set]):
    """``async for tables in db.on_change([...])``: the set of watched tables changed since the
    previous iteration."""

    def _convert(self, tables: list) -> Any:
        return set(tables)

    def _merge(self, older: Any, newer: Any) -> Any:
        return older | newer


def watch_callback(register: Callable[[Callable[..., None]], Any], on_result: Callable[[list], Any],
                   on_error: Optional[Callable[[Exception], Any]], keep_alive: set) -> Subscription:
    subscription = Subscription(keep_alive)
    loop = _running_loop()

    def on_native(status: int, message: Optional[str], rows: Optional[list]) -> None:
        if rows is not None:
            _deliver(loop, on_result, rows)
        elif on_error is not None:
            _deliver(loop, on_error, _from_native(status, message or "watch query failed", 0))

    try:
        subscription._listener = register(on_native)
    except BaseException:
        subscription.close()
        raise
    return subscription


def change_callback(register: Callable[[Callable[..., None]], Any], callback: Callable[[set], Any],
                    keep_alive: set) -> Subscription:
    subscription = Subscription(keep_alive)
    loop = _running_loop()
    try:
        subscription._listener = register(lambda tables: _deliver(loop, callback, set(tables)))
    except BaseException:
        subscription.close()
        raise
    return subscription
