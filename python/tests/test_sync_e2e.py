"""End to end against powersync-devserver: sync, uploads, retries, tokens, clearing, errors."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timedelta, timezone

import pytest
from devserver import wait_until

from powersync import (Column, PowerSyncBackendConnector, PowerSyncCredentials, PowerSyncDatabase, Schema,
                       SyncStatus, Table, UpdateType)

SCHEMA = Schema([
    Table("lists", [Column.text("created_at"), Column.text("name"), Column.text("owner_id")]),
    Table("todos", [Column.text("description"), Column.integer("completed"), Column.text("created_by"),
                    Column.text("list_id")]),
])


class Connector(PowerSyncBackendConnector):
    """Fetches devserver tokens and uploads to its /api/data; failures can be scripted."""

    def __init__(self, server, user: str, *, expires: str = "1h", expires_at=None) -> None:
        self.server = server
        self.user = user
        self.expires = expires
        self.expires_at = expires_at
        self.fetches = 0
        self.uploads = 0
        self.fail_fetches = 0
        self.fail_uploads = 0
        self.signed_out = False
        self.lock = threading.Lock()

    def fetch_credentials(self):
        with self.lock:
            self.fetches += 1
            if self.fail_fetches:
                self.fail_fetches -= 1
                raise RuntimeError("identity provider is down")
        if self.signed_out:
            return None
        return PowerSyncCredentials(self.server.url, self.server.token(self.user, self.expires), self.expires_at)

    def upload_data(self, database):
        with self.lock:
            self.uploads += 1
            if self.fail_uploads:
                self.fail_uploads -= 1
                raise ConnectionError("backend unavailable")
        while (tx := database.get_next_crud_transaction()) is not None:
            batch = [{"op": e.op.value, "type": e.table, "id": e.id, **({"data": e.op_data} if e.op_data else {})}
                     for e in tx.crud]
            self.server.upload(batch, self.server.token(self.user))
            tx.complete()


class AsyncConnector(Connector):
    async def fetch_credentials(self):
        await asyncio.sleep(0)
        return Connector.fetch_credentials(self)

    async def upload_data(self, database):
        await asyncio.sleep(0)
        await asyncio.to_thread(Connector.upload_data, self, database)


def open_db(tmp_path, name: str) -> PowerSyncDatabase:
    return PowerSyncDatabase(SCHEMA, str(tmp_path / f"{name}.db"))


def names(db, table="lists"):
    return sorted(r["name"] for r in db.get_all(f"SELECT name FROM {table}"))


def test_two_users_get_their_own_data(devserver, tmp_path):
    devserver.backend("INSERT INTO lists(id, name, owner_id) VALUES ('l1', 'alice list', 'u1'), "
                      "('l2', 'bob list', 'u2')")
    with open_db(tmp_path, "a") as alice, open_db(tmp_path, "b") as bob:
        alice.connect(Connector(devserver, "u1"))
        bob.connect(Connector(devserver, "u2"))
        assert alice.wait_for_first_sync(timeout=30)
        assert bob.wait_for_first_sync(timeout=30)
        # the devserver replicates backend writes asynchronously: a first sync may precede them
        wait_until(lambda: names(alice) == ["alice list"], message="alice's list")
        wait_until(lambda: names(bob) == ["bob list"], message="bob's list")
        status = alice.current_status
        assert status.connected and status.has_synced and status.last_synced_at is not None
        assert status.download_error is None and not status.connecting


def test_local_writes_upload_and_reach_another_device(devserver, tmp_path):
    with open_db(tmp_path, "phone") as phone, open_db(tmp_path, "laptop") as laptop:
        phone.connect(Connector(devserver, "u1"), crud_upload_throttle=0)
        laptop.connect(Connector(devserver, "u1"))
        assert laptop.wait_for_first_sync(timeout=30)
        phone.execute("INSERT INTO lists(id, name, owner_id) VALUES ('l1', 'groceries', 'u1')")
        wait_until(lambda: devserver.backend("SELECT name FROM lists") == [("groceries",)], message="upload")
        wait_until(lambda: names(laptop) == ["groceries"], message="download on the other device")
        wait_until(lambda: phone.get_upload_queue_stats().count == 0, message="empty queue")


def test_offline_writes_upload_after_connecting(devserver, tmp_path):
    with open_db(tmp_path, "offline") as db:
        for i in range(3):
            db.execute("INSERT INTO todos(id, description, created_by) VALUES (?, ?, 'u1')", [f"t{i}", f"todo {i}"])
        assert db.get_upload_queue_stats().count == 3
        db.connect(Connector(devserver, "u1"))
        wait_until(lambda: devserver.backend("SELECT count(*) FROM todos") == [(3,)], message="uploads")
        wait_until(lambda: db.get_upload_queue_stats().count == 0, message="empty queue")
        db.disconnect()
        db.execute("UPDATE todos SET completed = 1 WHERE id = 't0'")
        assert db.get_crud_batch().crud[0].op is UpdateType.PATCH
        db.connect(Connector(devserver, "u1"))
        wait_until(lambda: devserver.backend("SELECT completed FROM todos WHERE id = 't0'") == [(1,)],
                   message="upload after reconnect")
        assert db.get("SELECT completed FROM todos WHERE id = 't0'")["completed"] == 1


async def test_watch_sees_remote_changes_with_async_connector(devserver, tmp_path):
    async with open_db(tmp_path, "w") as db:
        connector = AsyncConnector(devserver, "u1")
        db.connect(connector)
        await asyncio.wait_for(db.wait_for_first_sync_async(), 30)
        async with db.watch("SELECT name FROM lists ORDER BY name", throttle_ms=0) as results:
            assert await results.__anext__() == []
            await asyncio.to_thread(devserver.backend,
                                    "INSERT INTO lists(id, name, owner_id) VALUES ('r1', 'remote', 'u1')")
            rows = await asyncio.wait_for(results.__anext__(), 30)
            while rows == []:
                rows = await asyncio.wait_for(results.__anext__(), 30)
            assert rows == [{"name": "remote"}]
        await db.execute_async("INSERT INTO lists(id, name, owner_id) VALUES ('l2', 'local', 'u1')")
        for _ in range(600):
            if await asyncio.to_thread(devserver.backend, "SELECT name FROM lists WHERE id = 'l2'"):
                break
            await asyncio.sleep(0.05)
        assert connector.uploads >= 1 and connector.fetches >= 1


async def test_status_stream_reports_connection(devserver, tmp_path):
    async with open_db(tmp_path, "s") as db:
        statuses = db.status_stream()
        first = await statuses.__anext__()
        assert isinstance(first, SyncStatus) and not first.connected
        db.connect(Connector(devserver, "u1"))
        async with statuses:
            async for status in statuses:
                if status.connected and status.has_synced:
                    break
        seen = []
        with db.on_status_change(seen.append):
            await db.disconnect_async()
            for _ in range(200):
                if any(not s.connected for s in seen):
                    break
                await asyncio.sleep(0.05)
        assert any(not s.connected for s in seen)
        assert not db.current_status.connected


def test_failed_upload_is_reported_and_retried(devserver, tmp_path):
    with open_db(tmp_path, "retry") as db:
        connector = Connector(devserver, "u1")
        connector.fail_uploads = 1
        db.execute("INSERT INTO lists(id, name, owner_id) VALUES ('l1', 'eventually', 'u1')")
        db.connect(connector, retry_delay=0.2, crud_upload_throttle=0)
        wait_until(lambda: devserver.backend("SELECT name FROM lists") == [("eventually",)],
                   message="the retried upload")
        assert connector.uploads >= 2
        wait_until(lambda: db.current_status.upload_error is None, message="upload error cleared")


def test_upload_error_shows_in_status(devserver, tmp_path):
    with open_db(tmp_path, "uperr") as db:
        connector = Connector(devserver, "u1")
        connector.fail_uploads = 1000
        db.execute("INSERT INTO lists(id) VALUES ('l1')")
        db.connect(connector, retry_delay=60)
        error = wait_until(lambda: db.current_status.upload_error, message="upload_error")
        assert "upload_data failed: ConnectionError: backend unavailable" in error


def test_credentials_exception_becomes_download_error_then_recovers(devserver, tmp_path):
    devserver.backend("INSERT INTO lists(id, name, owner_id) VALUES ('l1', 'after recovery', 'u1')")
    with open_db(tmp_path, "creds") as db:
        connector = Connector(devserver, "u1")
        connector.fail_fetches = 1
        db.connect(connector, retry_delay=0.2)
        assert db.wait_for_first_sync(timeout=30)
        wait_until(lambda: names(db) == ["after recovery"], message="synced list")
        assert connector.fetches >= 2


def test_credentials_error_message(devserver, tmp_path):
    with open_db(tmp_path, "creds2") as db:
        connector = Connector(devserver, "u1")
        connector.fail_fetches = 1000
        db.connect(connector, retry_delay=60)
        error = wait_until(lambda: db.current_status.download_error, message="download_error")
        assert "fetch_credentials failed: RuntimeError: identity provider is down" in error
        assert not db.current_status.connected


def test_rejected_token_is_a_download_error(devserver, tmp_path):
    class BadToken(Connector):
        def fetch_credentials(self):
            return PowerSyncCredentials(self.server.url, "not-a-jwt")

    with open_db(tmp_path, "bad") as db:
        db.connect(BadToken(devserver, "u1"), retry_delay=60)
        error = wait_until(lambda: db.current_status.download_error, message="download_error")
        assert "401" in error or "PSYNC_S2101" in error
        assert not db.current_status.connected


def test_signed_out_stays_disconnected(devserver, tmp_path):
    with open_db(tmp_path, "out") as db:
        connector = Connector(devserver, "u1")
        connector.signed_out = True
        db.connect(connector, retry_delay=0.1)
        wait_until(lambda: connector.fetches >= 2, message="credentials asked again")
        assert not db.current_status.connected
        assert not db.wait_for_first_sync(timeout=0.2)


def test_expiring_token_is_refreshed(devserver, tmp_path):
    devserver.backend("INSERT INTO lists(id, name, owner_id) VALUES ('l1', 'first', 'u1')")
    with open_db(tmp_path, "exp") as db:
        connector = Connector(devserver, "u1", expires="3",
                              expires_at=datetime.now(timezone.utc) + timedelta(seconds=3))
        db.connect(connector, retry_delay=0.2)
        wait_until(lambda: names(db) == ["first"], message="first list")
        connector.expires, connector.expires_at = "1h", None
        wait_until(lambda: connector.fetches >= 2, message="a credentials refresh")
        devserver.backend("INSERT INTO lists(id, name, owner_id) VALUES ('l2', 'second', 'u1')")
        wait_until(lambda: names(db) == ["first", "second"], message="sync with the new token")


def test_disconnect_and_clear_then_reconnect(devserver, tmp_path):
    devserver.backend("INSERT INTO lists(id, name, owner_id) VALUES ('l1', 'kept on server', 'u1')")
    with open_db(tmp_path, "clear") as db:
        db.connect(Connector(devserver, "u1"))
        wait_until(lambda: names(db) == ["kept on server"], message="first sync")
        db.disconnect_and_clear()
        assert db.get_all("SELECT * FROM lists") == []
        assert not db.current_status.has_synced
        db.connect(Connector(devserver, "u1"))
        assert db.wait_for_first_sync(timeout=30)
        wait_until(lambda: names(db) == ["kept on server"], message="list synced again")


def test_connection_params(devserver, tmp_path):
    # region_lists is not auto-subscribed; my_lists brings u1's rows, region lists come from params
    devserver.backend("INSERT INTO lists(id, name, owner_id) VALUES ('l1', 'mine', 'u1')")
    with open_db(tmp_path, "params") as db:
        db.connect(Connector(devserver, "u1"), params={"region": "eu"})
        assert db.wait_for_first_sync(timeout=30)
        wait_until(lambda: names(db) == ["mine"], message="synced list")


def test_connect_options_are_validated(devserver, tmp_path):
    with open_db(tmp_path, "opts") as db:
        with pytest.raises(ValueError):
            db.connect(Connector(devserver, "u1"), retry_delay=-1)


def test_wait_for_first_sync_ends_on_close(devserver, tmp_path):
    from powersync import ClosedError

    db = open_db(tmp_path, "close")
    connector = Connector(devserver, "u1")
    connector.signed_out = True
    db.connect(connector, retry_delay=60)
    errors = []

    def wait():
        try:
            db.wait_for_first_sync()
        except ClosedError as e:
            errors.append(e)

    waiter = threading.Thread(target=wait)
    waiter.start()
    wait_until(lambda: connector.fetches >= 1, message="connecting")
    db.close()
    waiter.join(30)
    assert len(errors) == 1


def test_interpreter_exits_while_connected(devserver, tmp_path):
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(tmp_path.parent)!r})
        from powersync import *
        schema = Schema([Table("lists", [Column.text("name"), Column.text("owner_id")])])
        class C(PowerSyncBackendConnector):
            def fetch_credentials(self):
                return PowerSyncCredentials({devserver.url!r}, {devserver.token("u1")!r})
            async def upload_data(self, db):
                tx = db.get_next_crud_transaction()
                while tx is not None:
                    tx.complete()
                    tx = db.get_next_crud_transaction()
        db = PowerSyncDatabase(schema, {str(tmp_path / "exit.db")!r})
        db.connect(C(), crud_upload_throttle=0)
        db.watch("SELECT * FROM lists", on_result=lambda rows: None)
        db.execute("INSERT INTO lists(id, name) VALUES ('x', 'y')")
        print(db.wait_for_first_sync(timeout=30))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "True"
