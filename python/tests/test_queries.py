"""execute / get_all / get / get_optional / execute_batch, values and errors."""
from __future__ import annotations

import pytest

from powersync import (BusyError, ClosedError, EmptyResultError, ExecuteResult, InvalidArgumentError,
                       PowerSyncDatabase, PowerSyncError, SqlError, StatusCode)


def test_execute_returns_rows_and_counters(db):
    result = db.execute("INSERT INTO todos(id, description) VALUES (?, ?) RETURNING id, description", ["t1", "milk"])
    assert isinstance(result, ExecuteResult)
    assert result.rows == [{"id": "t1", "description": "milk"}]
    assert result.rows_affected == 1
    assert db.execute("UPDATE todos SET completed = 1").rows == []


def test_rows_are_dicts_in_column_order(db):
    db.execute("INSERT INTO todos(id, description, completed, weight) VALUES ('t1', 'a', 1, 2.5)")
    row = db.get("SELECT id, description, completed, weight, list_id FROM todos")
    assert list(row.items()) == [("id", "t1"), ("description", "a"), ("completed", 1), ("weight", 2.5),
                                 ("list_id", None)]


@pytest.mark.parametrize("value, expected", [
    (None, None), (True, 1), (False, 0), (42, 42), (-(2 ** 63), -(2 ** 63)), (2 ** 63 - 1, 2 ** 63 - 1),
    (1.5, 1.5), ("héllo ✓", "héllo ✓"), ("", ""), (b"\x00\x01", b"\x00\x01"), (bytearray(b"ab"), b"ab"),
    (memoryview(b"xyz"), b"xyz"), (b"", b""),
])
def test_parameter_types_round_trip(db, value, expected):
    assert db.get("SELECT ? AS v", [value]) == {"v": expected}


def test_tuple_params_and_positional_numbers(db):
    assert db.get("SELECT ?2 AS b, ?1 AS a", ("x", "y")) == {"b": "y", "a": "x"}


def test_unsupported_parameter_type(db):
    with pytest.raises(TypeError, match="parameter 2 has unsupported type 'dict'"):
        db.get_all("SELECT ?, ?", [1, {"a": 1}])


def test_parameters_must_be_a_sequence(db):
    with pytest.raises(TypeError, match="sequence"):
        db.get_all("SELECT ?", "abc")


def test_integer_overflow(db):
    with pytest.raises(ValueError, match="64-bit"):
        db.get_all("SELECT ?", [2 ** 64])


def test_get_and_get_optional(db):
    assert db.get_optional("SELECT * FROM todos") is None
    with pytest.raises(EmptyResultError) as info:
        db.get("SELECT * FROM todos")
    assert isinstance(info.value, LookupError) and isinstance(info.value, PowerSyncError)
    db.execute("INSERT INTO todos(id) VALUES ('a'), ('b')")
    assert db.get("SELECT id FROM todos ORDER BY id") == {"id": "a"}
    assert db.get_optional("SELECT id FROM todos ORDER BY id DESC") == {"id": "b"}


def test_execute_batch(db):
    changed = db.execute_batch("INSERT INTO todos(id, description) VALUES (?, ?)",
                               [["1", "a"], ("2", "b"), ["3", None]])
    assert changed == 3
    assert [r["id"] for r in db.get_all("SELECT id FROM todos ORDER BY id")] == ["1", "2", "3"]
    assert db.execute_batch("DELETE FROM todos WHERE id = '1'", [[], None]) == 1


def test_execute_batch_is_atomic(db):
    with pytest.raises(SqlError):
        db.execute_batch("INSERT INTO lists(id, name) VALUES (?, ?)", [["1", "a"], ["1", "dup"]])
    assert db.get_all("SELECT * FROM lists") == []


def test_sql_error_carries_message_and_codes(db):
    with pytest.raises(SqlError, match="no such table: nope") as info:
        db.get_all("SELECT * FROM nope")
    assert info.value.code is StatusCode.SQL
    assert info.value.sqlite_code == 1
    db.execute("CREATE TABLE local_t (x INTEGER PRIMARY KEY)")
    db.execute("INSERT INTO local_t VALUES (1)")
    with pytest.raises(SqlError) as info:
        db.execute("INSERT INTO local_t VALUES (1)")
    assert info.value.sqlite_code == 1555  # SQLITE_CONSTRAINT_PRIMARYKEY


def test_reads_reject_writes(file_db):
    with pytest.raises(PowerSyncError):
        file_db.get_all("INSERT INTO todos(id) VALUES ('x')")


def test_closed_database(schema):
    db = PowerSyncDatabase(schema)
    db.close()
    db.close()  # idempotent
    assert db.closed
    with pytest.raises(ClosedError):
        db.get_all("SELECT 1")
    with pytest.raises(ClosedError):
        db.execute("SELECT 1")
    with pytest.raises(ClosedError):
        db.write_transaction().__enter__()


def test_file_database_persists(schema, tmp_path):
    path = str(tmp_path / "p.db")
    with PowerSyncDatabase(schema, path) as db:
        db.execute("INSERT INTO lists(id, name) VALUES ('l1', 'groceries')")
        client_id = db.client_id
    with PowerSyncDatabase(schema, path) as db:
        assert db.get("SELECT name FROM lists") == {"name": "groceries"}
        assert db.get_client_id() == client_id and len(client_id) == 36


def test_open_options_are_validated(schema):
    with pytest.raises(InvalidArgumentError):
        PowerSyncDatabase(schema, reader_count=0)


def test_busy_timeout(schema, tmp_path):
    path = str(tmp_path / "busy.db")
    with PowerSyncDatabase(schema, path) as first, PowerSyncDatabase(schema, path, busy_timeout_ms=50) as second:
        with first.write_transaction() as tx:
            tx.execute("INSERT INTO lists(id) VALUES ('1')")
            with pytest.raises(BusyError) as info:
                second.execute("INSERT INTO lists(id) VALUES ('2')")
            assert isinstance(info.value, SqlError)


async def test_async_variants(db):
    result = await db.execute_async("INSERT INTO lists(id, name) VALUES (?, ?)", ["1", "a"])
    assert result.rows_affected == 1
    assert await db.execute_batch_async("INSERT INTO lists(id) VALUES (?)", [["2"], ["3"]]) == 2
    assert len(await db.get_all_async("SELECT * FROM lists")) == 3
    assert (await db.get_async("SELECT name FROM lists WHERE id = ?", ["1"]))["name"] == "a"
    assert await db.get_optional_async("SELECT * FROM lists WHERE id = 'none'") is None
    with pytest.raises(SqlError):
        await db.get_all_async("SELEC")


async def test_async_context_manager(schema):
    async with PowerSyncDatabase(schema) as db:
        await db.execute_async("INSERT INTO lists(id) VALUES ('1')")
    assert db.closed
