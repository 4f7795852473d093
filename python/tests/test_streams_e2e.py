"""Sync Streams against powersync-devserver: subscribe, wait, per-stream status, unsubscribe."""
from __future__ import annotations

import asyncio

import pytest
from devserver import wait_until
from test_sync_e2e import Connector, open_db

from powersync import InvalidArgumentError, SyncStream, SyncStreamSubscription


def test_subscribe_syncs_a_parameterised_stream(devserver, tmp_path):
    devserver.backend("INSERT INTO todos(id, description, created_by, list_id) VALUES "
                      "('t1', 'shared todo', 'u2', 'l1'), ('t2', 'other list', 'u2', 'l2')")
    with open_db(tmp_path, "streams") as db:
        db.connect(Connector(devserver, "u1"))
        assert db.wait_for_first_sync(timeout=30)
        assert db.get_all("SELECT * FROM todos") == []
        stream = db.sync_stream("list_todos", {"list_id": "l1"})
        assert isinstance(stream, SyncStream)
        with stream.subscribe(ttl=3600) as subscription:
            assert isinstance(subscription, SyncStreamSubscription)
            assert subscription.name == "list_todos" and subscription.parameters == {"list_id": "l1"}
            assert subscription.wait_for_first_sync(timeout=30)
            wait_until(lambda: db.get_all("SELECT id FROM todos") == [{"id": "t1"}], message="the stream's todo")
            entry = db.current_status.for_stream(subscription)
            assert entry is not None and entry.has_synced and entry.has_explicit_subscription
            assert entry.expires_at is None or entry.expires_at.year >= 2020
            assert not entry.is_default
        assert not subscription.active
        stream.unsubscribe_all()
        wait_until(lambda: db.get_all("SELECT * FROM todos") == [], message="data of the dropped stream removed")


def test_default_streams_appear_in_the_status(devserver, tmp_path):
    with open_db(tmp_path, "defaults") as db:
        db.connect(Connector(devserver, "u1"))
        assert db.wait_for_first_sync(timeout=30)
        defaults = {s.name for s in wait_until(lambda: db.current_status.streams, message="streams") if s.is_default}
        assert {"my_lists", "my_todos"} <= defaults


async def test_async_subscribe_and_wait(devserver, tmp_path):
    await asyncio.to_thread(devserver.backend,
                            "INSERT INTO todos(id, description, created_by, list_id) VALUES ('t9', 'x', 'u2', 'l9')")
    async with open_db(tmp_path, "async_streams") as db:
        db.connect(Connector(devserver, "u1"))
        subscription = await db.sync_stream("list_todos", {"list_id": "l9"}).subscribe_async(priority=1)
        await asyncio.wait_for(subscription.wait_for_first_sync_async(), 30)
        for _ in range(600):  # the devserver may replicate the backend row after that first sync
            if await db.get_all_async("SELECT id FROM todos") == [{"id": "t9"}]:
                break
            await asyncio.sleep(0.05)
        assert await db.get_all_async("SELECT id FROM todos") == [{"id": "t9"}]
        subscription.unsubscribe()


def test_subscribe_options_are_validated(tmp_path):
    with open_db(tmp_path, "bad_options") as db:
        with pytest.raises(InvalidArgumentError):
            db.sync_stream("list_todos", {"list_id": "l1"}).subscribe(priority=7)
        with pytest.raises(InvalidArgumentError):
            db.sync_stream("list_todos").subscribe(ttl=-1)


def test_subscriptions_work_offline_and_survive_reopening(tmp_path):
    path = tmp_path / "persist"
    with open_db(path.parent, "persist") as db:
        db.sync_stream("list_todos", {"list_id": "l1"}).subscribe(ttl=3600).unsubscribe()
    with open_db(path.parent, "persist") as db:
        entry = db.current_status.for_stream("list_todos", {"list_id": "l1"})
        assert entry is not None and entry.has_explicit_subscription and not entry.has_synced
