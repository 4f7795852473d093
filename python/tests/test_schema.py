"""Schema building, validation and every table option, observed through the database."""
from __future__ import annotations

import json

import pytest

from powersync import (Column, ColumnType, Index, IndexedColumn, InvalidArgumentError, PowerSyncDatabase, Schema,
                       Table, TrackPreviousValues, UpdateType)


def test_column_constructors():
    assert Column.text("a") == Column("a", ColumnType.TEXT)
    assert Column.integer("b").type is ColumnType.INTEGER
    assert Column.real("c").type.value == "real"


def test_table_json_has_every_option():
    table = Table("todos", [Column.text("title"), Column.integer("n")],
                  indexes=[Index("by_title", [IndexedColumn.descending("title"), "n"])],
                  view_name="todo_view", track_metadata=True,
                  track_previous_values=TrackPreviousValues(columns=["title"], only_when_changed=True),
                  ignore_empty_updates=True)
    assert table.to_dict() == {
        "name": "todos", "view_name": "todo_view",
        "columns": [{"name": "title", "type": "text"}, {"name": "n", "type": "integer"}],
        "indexes": [{"name": "by_title", "columns": [
            {"name": "title", "ascending": False, "type": "text"},
            {"name": "n", "ascending": True, "type": "integer"}]}],
        "local_only": False, "insert_only": False, "include_metadata": True,
        "include_old": ["title"], "include_old_only_when_changed": True, "ignore_empty_update": True,
    }
    assert Table.local("l", []).local_only and Table.insert_only_table("i", []).insert_only
    assert Table("t", [], track_previous_values=True).to_dict()["include_old"] is True


def test_schema_lookup_and_json():
    schema = Schema([Table("a", [Column.text("x")]), Table("b", [])])
    assert len(schema) == 2 and schema["b"].name == "b" and [t.name for t in schema] == ["a", "b"]
    assert json.loads(schema.to_json())["tables"][0]["name"] == "a"
    assert schema["a"].column("x").type is ColumnType.TEXT
    with pytest.raises(KeyError):
        schema["missing"]


@pytest.mark.parametrize("tables, message", [
    ([Table("t", [Column.text("id")])], "id"),
    ([Table("t", [Column.text("a"), Column.text("a")])], "a"),
    ([Table("t", []), Table("t", [])], "t"),
    ([Table("bad name!", [])], "bad name!"),
])
def test_invalid_schemas_raise_invalid_argument(tables, message):
    with pytest.raises(InvalidArgumentError, match=message) as info:
        Schema(tables)
    assert isinstance(info.value, ValueError)


def test_index_is_created(db):
    names = {r["name"] for r in db.get_all("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert any("by_list" in n for n in names)


def test_view_name_renames_the_view():
    schema = Schema([Table("todos", [Column.text("title")], view_name="my_todos")])
    with PowerSyncDatabase(schema) as db:
        db.execute("INSERT INTO my_todos(id, title) VALUES ('1', 'x')")
        assert db.get_all("SELECT title FROM my_todos") == [{"title": "x"}]
        assert db.get_crud_batch().crud[0].table == "todos"


def test_local_only_tables_queue_nothing():
    with PowerSyncDatabase(Schema([Table.local("drafts", [Column.text("body")])])) as db:
        db.execute("INSERT INTO drafts(id, body) VALUES ('1', 'hi')")
        assert db.get("SELECT body FROM drafts") == {"body": "hi"}
        assert db.get_crud_batch() is None


def test_insert_only_tables_queue_but_keep_nothing():
    with PowerSyncDatabase(Schema([Table.insert_only_table("logs", [Column.text("line")])])) as db:
        db.execute("INSERT INTO logs(id, line) VALUES ('1', 'started')")
        assert db.get_all("SELECT * FROM logs") == []
        entry = db.get_crud_batch().crud[0]
        assert (entry.op, entry.table, entry.op_data) == (UpdateType.PUT, "logs", {"line": "started"})


def test_track_metadata_rides_with_the_entry():
    with PowerSyncDatabase(Schema([Table("t", [Column.text("a")], track_metadata=True)])) as db:
        db.execute("INSERT INTO t(id, a, _metadata) VALUES ('1', 'x', 'from-test')")
        assert db.get_crud_batch().crud[0].metadata == "from-test"


def test_track_previous_values_all_columns():
    with PowerSyncDatabase(Schema([Table("t", [Column.text("a"), Column.text("b")],
                                         track_previous_values=True)])) as db:
        db.execute("INSERT INTO t(id, a, b) VALUES ('1', 'x', 'y')")
        db.execute("UPDATE t SET a = 'z'")
        entry = db.get_crud_batch().crud[1]
        assert entry.op is UpdateType.PATCH
        assert entry.previous_values == {"a": "x", "b": "y"}


def test_track_previous_values_filtered_and_only_changed():
    table = Table("t", [Column.text("a"), Column.text("b"), Column.text("c")],
                  track_previous_values=TrackPreviousValues(columns=["a", "b"], only_when_changed=True))
    with PowerSyncDatabase(Schema([table])) as db:
        db.execute("INSERT INTO t(id, a, b, c) VALUES ('1', 'x', 'y', 'w')")
        db.execute("UPDATE t SET a = 'z', c = 'v'")
        assert db.get_crud_batch().crud[1].previous_values == {"a": "x"}


def test_ignore_empty_updates():
    with PowerSyncDatabase(Schema([Table("t", [Column.text("a")], ignore_empty_updates=True)])) as db:
        db.execute("INSERT INTO t(id, a) VALUES ('1', 'x')")
        db.execute("UPDATE t SET a = 'x'")
        assert len(db.get_crud_batch().crud) == 1


def test_update_schema_keeps_data(db):
    db.execute("INSERT INTO todos(id, description) VALUES ('1', 'keep')")
    bigger = Schema([Table("todos", [Column.text("description"), Column.text("extra")])])
    db.update_schema(bigger)
    assert db.schema is bigger
    assert db.get("SELECT description, extra FROM todos") == {"description": "keep", "extra": None}
