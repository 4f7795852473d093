"""read_transaction / write_transaction as sync and async context managers and callbacks;
the GIL is released while a call waits."""
from __future__ import annotations

import asyncio
import threading

import pytest

from powersync import ClosedError, PowerSyncDatabase, SqlError


def test_write_transaction_commits(db):
    with db.write_transaction() as tx:
        tx.execute("INSERT INTO lists(id, name) VALUES ('1', 'a')")
        assert tx.get("SELECT name FROM lists") == {"name": "a"}
        assert tx.is_write
    assert db.get_all("SELECT id FROM lists") == [{"id": "1"}]
    # one local transaction -> one CRUD transaction
    assert db.get_next_crud_transaction().transaction_id is not None


def test_write_transaction_rolls_back_on_exception(db):
    with pytest.raises(RuntimeError):
        with db.write_transaction() as tx:
            tx.execute("INSERT INTO lists(id) VALUES ('1')")
            raise RuntimeError("abort")
    assert db.get_all("SELECT * FROM lists") == []
    assert db.get_crud_batch() is None


def test_explicit_commit_and_rollback_end_the_transaction(db):
    with db.write_transaction() as tx:
        tx.execute("INSERT INTO lists(id) VALUES ('1')")
        tx.rollback()
        with pytest.raises(ClosedError):
            tx.execute("INSERT INTO lists(id) VALUES ('2')")
    assert db.get_all("SELECT * FROM lists") == []
    with db.write_transaction() as tx:
        tx.execute("INSERT INTO lists(id) VALUES ('3')")
        tx.commit()
    assert db.get_all("SELECT id FROM lists") == [{"id": "3"}]


def test_callback_form_returns_the_result(db):
    assert db.write_transaction(lambda tx: tx.execute("INSERT INTO lists(id) VALUES ('1')").rows_affected) == 1
    assert db.read_transaction(lambda tx: tx.get_all("SELECT id FROM lists")) == [{"id": "1"}]


def test_read_transaction_sees_one_snapshot(file_db):
    file_db.execute("INSERT INTO lists(id) VALUES ('1')")
    with file_db.read_transaction() as tx:
        assert not tx.is_write
        assert len(tx.get_all("SELECT * FROM lists")) == 1
        file_db.execute("INSERT INTO lists(id) VALUES ('2')")
        assert len(tx.get_all("SELECT * FROM lists")) == 1
        assert tx.get_optional("SELECT * FROM lists WHERE id = '2'") is None
    assert len(file_db.get_all("SELECT * FROM lists")) == 2


def test_read_transaction_rejects_writes(file_db):
    with pytest.raises(SqlError):
        with file_db.read_transaction() as tx:
            tx.execute("INSERT INTO lists(id) VALUES ('1')")


def test_close_rolls_back_an_open_transaction(schema):
    db = PowerSyncDatabase(schema)
    context = db.write_transaction()
    tx = context.__enter__()
    tx.execute("INSERT INTO lists(id) VALUES ('1')")
    db.close()
    with pytest.raises(ClosedError):
        tx.execute("SELECT 1")


def test_gil_is_released_while_waiting_for_the_writer(file_db):
    done = threading.Event()
    with file_db.write_transaction() as tx:
        tx.execute("INSERT INTO lists(id) VALUES ('1')")
        writer = threading.Thread(target=lambda: (file_db.execute("INSERT INTO lists(id) VALUES ('2')"), done.set()))
        writer.start()
        # The other thread is blocked inside the library; Python code keeps running here.
        spins = 0
        while spins < 200_000:
            spins += 1
        assert not done.is_set()
    writer.join(10)
    assert done.is_set()
    assert len(file_db.get_all("SELECT * FROM lists")) == 2


async def test_async_write_transaction(db):
    async with db.write_transaction() as tx:
        tx.execute("INSERT INTO lists(id) VALUES ('1')")
    assert await db.get_all_async("SELECT id FROM lists") == [{"id": "1"}]
    with pytest.raises(ValueError):
        async with db.write_transaction() as tx:
            tx.execute("INSERT INTO lists(id) VALUES ('2')")
            raise ValueError("no")
    assert len(await db.get_all_async("SELECT * FROM lists")) == 1


async def test_async_transactions_do_not_block_the_loop(file_db):
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    async with file_db.write_transaction() as tx:
        tx.execute("INSERT INTO lists(id) VALUES ('1')")
        waiting = asyncio.create_task(file_db.execute_async("INSERT INTO lists(id) VALUES ('2')"))
        before = ticks
        await asyncio.sleep(0.05)
        assert ticks > before and not waiting.done()
    await waiting
    async with file_db.read_transaction() as tx:
        assert len(tx.get_all("SELECT * FROM lists")) == 2
    task.cancel()


def test_threads_share_a_database_and_close_ends_them_cleanly(schema, tmp_path):
    db = PowerSyncDatabase(schema, str(tmp_path / "threads.db"))
    outcomes: list[str] = []
    started = threading.Barrier(5)

    def worker(n: int) -> None:
        started.wait()
        try:
            for i in range(100_000):
                db.execute("INSERT INTO lists(id, name) VALUES (?, ?)", [f"{n}-{i}", "x"])
                db.get_all("SELECT count(*) FROM lists")
        except ClosedError:
            outcomes.append("closed")
            return
        outcomes.append("finished")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    started.wait()
    while db.get("SELECT count(*) AS n FROM lists")["n"] < 200:
        pass
    db.close()
    for t in threads:
        t.join(30)
    assert outcomes == ["closed"] * 4
