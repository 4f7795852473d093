from __future__ import annotations

import pytest

from powersync import Column, Index, PowerSyncDatabase, Schema, Table


@pytest.fixture
def schema() -> Schema:
    return Schema([
        Table("lists", [Column.text("name"), Column.text("owner_id")]),
        Table("todos", [Column.text("description"), Column.integer("completed"), Column.real("weight"),
                        Column.text("list_id")], indexes=[Index("by_list", ["list_id"])]),
    ])


@pytest.fixture
def db(schema: Schema):
    with PowerSyncDatabase(schema=schema) as database:
        yield database


@pytest.fixture
def file_db(schema: Schema, tmp_path):
    with PowerSyncDatabase(schema=schema, path=str(tmp_path / "app.db")) as database:
        yield database


@pytest.fixture
def devserver(tmp_path):
    from devserver import DevServer

    server = DevServer(tmp_path)
    yield server
    server.stop()
