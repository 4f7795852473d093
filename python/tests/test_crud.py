"""The upload queue: batches, transactions, CrudEntry, completion and iteration."""
from __future__ import annotations

import pytest

from powersync import ClosedError, PowerSyncError, CrudBatch, CrudEntry, CrudTransaction, PowerSyncDatabase, UpdateType


TARGET_KEY = "target_checkpoint_request_id"  # where the engine keeps the write checkpoint to wait for


def write_three_transactions(db):
    db.execute("INSERT INTO lists(id, name) VALUES ('l1', 'a')")
    with db.write_transaction() as tx:
        tx.execute("UPDATE lists SET name = 'b' WHERE id = 'l1'")
        tx.execute("INSERT INTO todos(id, list_id, completed, weight) VALUES ('t1', 'l1', 0, 1.5)")
    db.execute("DELETE FROM todos WHERE id = 't1'")


def test_entries_describe_each_change(db):
    write_three_transactions(db)
    batch = db.get_crud_batch()
    assert isinstance(batch, CrudBatch) and not batch.has_more
    put, patch, put_todo, delete = batch.crud
    assert put == CrudEntry(client_id=put.client_id, op=UpdateType.PUT, table="lists", id="l1",
                            transaction_id=put.transaction_id, op_data={"name": "a"})
    assert patch.op is UpdateType.PATCH and patch.op_data == {"name": "b"}
    assert put_todo.op_data == {"list_id": "l1", "completed": 0, "weight": 1.5}
    assert patch.transaction_id == put_todo.transaction_id != put.transaction_id
    assert delete.op is UpdateType.DELETE and delete.op_data is None
    assert [e.client_id for e in batch.crud] == sorted(e.client_id for e in batch.crud)
    assert delete.to_json() == {"op_id": delete.client_id, "op": "DELETE", "type": "todos", "id": "t1",
                                "tx_id": delete.transaction_id, "data": None}
    assert UpdateType("PATCH") is UpdateType.PATCH and UpdateType.PUT == "PUT"


def test_batch_limit_and_complete(db):
    write_three_transactions(db)
    first = db.get_crud_batch(limit=3)
    assert len(first.crud) == 3 and first.has_more
    first.complete()
    rest = db.get_crud_batch(limit=3)
    assert [e.op for e in rest.crud] == [UpdateType.DELETE] and not rest.has_more
    rest.complete(write_checkpoint="42")
    assert db.get_crud_batch() is None
    assert db.get_upload_queue_stats().count == 0


def test_complete_with_write_checkpoint_records_target(db):
    db.execute("INSERT INTO lists(id) VALUES ('1')")
    db.get_crud_batch().complete("17")
    assert db.get("SELECT value FROM ps_kv WHERE key = ?", [TARGET_KEY])["value"] == 17


def test_invalid_write_checkpoint_is_rejected(db):
    db.execute("INSERT INTO lists(id) VALUES ('1')")
    with pytest.raises(PowerSyncError):
        db.get_crud_batch().complete("not-a-number")
    assert db.get_upload_queue_stats().count == 1


def test_next_crud_transaction(db):
    write_three_transactions(db)
    seen = []
    while (tx := db.get_next_crud_transaction()) is not None:
        assert isinstance(tx, CrudTransaction)
        seen.append([e.op.value for e in tx.crud])
        tx.complete()
    assert seen == [["PUT"], ["PATCH", "PUT"], ["DELETE"]]


def test_upload_queue_stats(db):
    assert db.get_upload_queue_stats().count == 0
    write_three_transactions(db)
    stats = db.get_upload_queue_stats()
    assert stats.count == 4 and stats.size_bytes > 0


def test_iterating_transactions_without_completing(db):
    write_three_transactions(db)
    transactions = list(db.iter_crud_transactions())
    assert [len(t.crud) for t in transactions] == [1, 2, 1]
    assert db.get_upload_queue_stats().count == 4  # nothing completed
    # completing a later one completes everything up to it, as in the official SDKs
    transactions[1].complete()
    assert [e.op for e in db.get_crud_batch().crud] == [UpdateType.DELETE]


async def test_async_iterator_of_transactions(db):
    write_three_transactions(db)
    ops = []
    async for tx in db.get_crud_transactions():
        ops.append([e.op.value for e in tx.crud])
        await tx.complete_async()
    assert ops == [["PUT"], ["PATCH", "PUT"], ["DELETE"]]
    assert db.get_crud_batch() is None


def test_batches_stay_readable_after_close(schema):
    db = PowerSyncDatabase(schema)
    db.execute("INSERT INTO lists(id) VALUES ('1')")
    batch = db.get_crud_batch()
    db.close()
    assert batch.crud[0].id == "1"
    with pytest.raises(ClosedError):
        batch.complete()
    with pytest.raises(ClosedError):
        db.get_crud_batch()
