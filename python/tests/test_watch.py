"""watch() and on_change() as async iterators and as callbacks."""
from __future__ import annotations

import asyncio
import gc
import queue
import threading

import pytest

from powersync import ChangeStream, SqlError, Subscription, WatchQuery

COUNT = "SELECT count(*) AS n FROM todos"


async def test_watch_iterator_yields_current_rows_then_updates(db):
    seen = []
    async for rows in db.watch(COUNT, throttle_ms=0):
        seen.append(rows[0]["n"])
        if len(seen) == 3:
            break
        await db.execute_async("INSERT INTO todos(id) VALUES (uuid())")
    assert seen == [0, 1, 2]


async def test_watch_with_params_only_sees_its_tables(db):
    async with db.watch("SELECT id FROM todos WHERE list_id = ?", ["l1"], throttle_ms=0) as results:
        assert isinstance(results, WatchQuery)
        assert await results.__anext__() == []
        db.execute("INSERT INTO todos(id, list_id) VALUES ('a', 'l1')")
        assert await results.__anext__() == [{"id": "a"}]


async def test_watch_iterator_keeps_only_the_newest_result(db):
    async with db.watch(COUNT, throttle_ms=0) as results:
        assert (await results.__anext__())[0]["n"] == 0
        for _ in range(5):
            db.execute("INSERT INTO todos(id) VALUES (uuid())")
        # wait until the last commit's result is in, then one read gives exactly it
        for _ in range(100):
            rows = await results.__anext__()
            if rows[0]["n"] == 5:
                break
        assert rows == [{"n": 5}]


async def test_watch_callback_runs_on_the_event_loop(db):
    loop_thread = threading.get_ident()
    got: asyncio.Queue = asyncio.Queue()
    sub = db.watch(COUNT, on_result=lambda rows: got.put_nowait((threading.get_ident(), rows)), throttle_ms=0)
    assert isinstance(sub, Subscription)
    thread, rows = await got.get()
    assert thread == loop_thread and rows == [{"n": 0}]
    db.execute("INSERT INTO todos(id) VALUES ('x')")
    assert (await got.get())[1] == [{"n": 1}]
    sub.close()
    assert sub.closed


def test_watch_callback_without_loop_runs_on_the_notifier_thread(db):
    got: queue.Queue = queue.Queue()
    with db.watch(COUNT, on_result=lambda rows: got.put((threading.get_ident(), rows)), throttle_ms=0):
        thread, rows = got.get(timeout=10)
        assert thread != threading.get_ident() and rows == [{"n": 0}]
        db.execute("INSERT INTO todos(id) VALUES ('x')")
        assert got.get(timeout=10)[1] == [{"n": 1}]


def test_watch_callback_may_query_and_write_the_database(db):
    got: queue.Queue = queue.Queue()

    def on_result(rows):
        n = rows[0]["n"]
        if n < 3:
            db.execute("INSERT INTO todos(id) VALUES (uuid())")  # re-enters from the notifier thread
        got.put(db.get(COUNT)["n"])

    with db.watch(COUNT, on_result=on_result, throttle_ms=0):
        while got.get(timeout=10) < 3:
            pass
    assert db.get(COUNT) == {"n": 3}


def test_failing_callback_is_reported_not_raised(db):
    hooked: queue.Queue = queue.Queue()
    import sys
    previous = sys.unraisablehook
    sys.unraisablehook = lambda info: hooked.put(info.exc_value)
    try:
        def boom(rows):
            raise RuntimeError("callback failed")
        with db.watch(COUNT, on_result=boom, throttle_ms=0):
            error = hooked.get(timeout=10)
        assert isinstance(error, RuntimeError) and str(error) == "callback failed"
        assert db.get(COUNT) == {"n": 0}  # the database is fine
    finally:
        sys.unraisablehook = previous


def test_invalid_watch_query_raises_at_registration(db):
    with pytest.raises(SqlError, match="syntax error"):
        db.watch("SELEC", on_result=print)


async def test_invalid_watch_query_raises_from_the_iterator(db):
    with pytest.raises(SqlError):
        async for _ in db.watch("SELECT * FROM no_such_table"):
            pass


async def test_watch_error_after_registration_reaches_on_error(db):
    db.execute("CREATE TABLE local_numbers (v TEXT)")
    errors: asyncio.Queue = asyncio.Queue()
    results: asyncio.Queue = asyncio.Queue()
    # json_extract fails for a row with malformed JSON, which only arrives after registration
    sub = db.watch("SELECT json_extract(v, '$.a') AS a FROM local_numbers, todos", throttle_ms=0,
                   on_result=results.put_nowait, on_error=errors.put_nowait)
    assert await results.get() == []
    db.execute("INSERT INTO local_numbers VALUES ('not json')")
    db.execute("INSERT INTO todos(id) VALUES ('t')")
    assert isinstance(await errors.get(), SqlError)
    sub.close()


async def test_on_change_iterator_collects_tables(db):
    async with db.on_change(["todos", "lists"], throttle_ms=0) as changes:
        assert isinstance(changes, ChangeStream)
        db.execute("INSERT INTO todos(id) VALUES ('1')")
        assert await changes.__anext__() == {"todos"}
        with db.write_transaction() as tx:
            tx.execute("INSERT INTO todos(id) VALUES ('2')")
            tx.execute("INSERT INTO lists(id) VALUES ('3')")
        got = set()
        while got != {"todos", "lists"}:
            got |= await changes.__anext__()


async def test_on_change_ignores_other_tables_and_accepts_a_name(db):
    async with db.on_change("lists", throttle_ms=0) as changes:
        db.execute("INSERT INTO todos(id) VALUES ('1')")
        db.execute("INSERT INTO lists(id) VALUES ('1')")
        assert await changes.__anext__() == {"lists"}


def test_on_change_callback(db):
    got: queue.Queue = queue.Queue()
    sub = db.on_change(["todos"], callback=got.put, throttle_ms=0)
    db.execute("INSERT INTO todos(id) VALUES ('1')")
    assert got.get(timeout=10) == {"todos"}
    sub.close()
    sub.close()


async def test_closing_the_iterator_ends_iteration(db):
    results = db.watch(COUNT)
    assert await results.__anext__() == [{"n": 0}]
    await results.aclose()
    with pytest.raises(StopAsyncIteration):
        await results.__anext__()


async def test_dropped_iterator_stops_its_listener(db):
    results = db.watch(COUNT, throttle_ms=0)
    await results.__anext__()
    listener = results._listener
    del results
    gc.collect()
    assert not listener.active


def test_closing_the_database_stops_callbacks(schema):
    from powersync import PowerSyncDatabase
    got: queue.Queue = queue.Queue()
    db = PowerSyncDatabase(schema)
    db.watch(COUNT, on_result=got.put, throttle_ms=0)
    got.get(timeout=10)
    db.close()
    assert got.empty()
