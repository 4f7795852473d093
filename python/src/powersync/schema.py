"""The client-side schema: tables of typed columns, indexes and per-table options.

As in the official SDKs, every table has an implicit ``id`` text primary key; the schema only
declares the other columns. Tables become views over the synced data (``ps_data__<name>``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable, Iterator, Optional, Sequence, Union


class ColumnType(str, Enum):
    TEXT = "text"
    INTEGER = "integer"
    REAL = "real"


@dataclass(frozen=True)
class Column:
    """A column of a table. Build with ``Column.text("name")``, ``Column.integer`` or ``Column.real``."""

    name: str
    type: ColumnType

    @classmethod
    def text(cls, name: str) -> "Column":
        return cls(name, ColumnType.TEXT)

    @classmethod
    def integer(cls, name: str) -> "Column":
        return cls(name, ColumnType.INTEGER)

    @classmethod
    def real(cls, name: str) -> "Column":
        return cls(name, ColumnType.REAL)


@dataclass(frozen=True)
class IndexedColumn:
    """One column of an index, ascending unless said otherwise."""

    column: str
    ascending: bool = True

    @classmethod
    def descending(cls, column: str) -> "IndexedColumn":
        return cls(column, ascending=False)


@dataclass(frozen=True)
class Index:
    """An index over columns of a table: ``Index("by_list", ["list_id"])``."""

    name: str
    columns: Sequence[Union[IndexedColumn, str]]

    def indexed_columns(self) -> list[IndexedColumn]:
        return [c if isinstance(c, IndexedColumn) else IndexedColumn(c) for c in self.columns]


@dataclass(frozen=True)
class TrackPreviousValues:
    """Options of ``Table(track_previous_values=...)``: which columns' old values to record in
    CrudEntry.previous_values (``None``: all), and whether only changed columns are recorded."""

    columns: Optional[Sequence[str]] = None
    only_when_changed: bool = False


@dataclass(frozen=True)
class Table:
    """A table of the local database.

    Options, named after the official SDKs:
      local_only: never synced and never uploaded (no CRUD entries);
      insert_only: writes are uploaded but not kept locally (e.g. logs);
      view_name: the name of the view applications query (default: ``name``);
      track_metadata: adds a ``_metadata`` column whose value rides along with each CRUD entry;
      track_previous_values: record old values in CRUD entries (True, or TrackPreviousValues);
      ignore_empty_updates: an UPDATE that changes nothing creates no CRUD entry.
    """

    name: str
    columns: Sequence[Column]
    indexes: Sequence[Index] = field(default_factory=tuple)
    local_only: bool = False
    insert_only: bool = False
    view_name: Optional[str] = None
    track_metadata: bool = False
    track_previous_values: Union[bool, TrackPreviousValues] = False
    ignore_empty_updates: bool = False

    @classmethod
    def local(cls, name: str, columns: Sequence[Column], **options: Any) -> "Table":
        """A local-only table."""
        return cls(name, columns, local_only=True, **options)

    @classmethod
    def insert_only_table(cls, name: str, columns: Sequence[Column], **options: Any) -> "Table":
        """An insert-only table."""
        return cls(name, columns, insert_only=True, **options)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table '{self.name}' has no column '{name}'")

    def to_dict(self) -> dict[str, Any]:
        """The table in the JSON form the PowerSync core reads."""
        types = {c.name: c.type.value for c in self.columns}
        track = self.track_previous_values
        if isinstance(track, TrackPreviousValues):
            include_old: Any = list(track.columns) if track.columns is not None else True
            only_changed = track.only_when_changed
        else:
            include_old, only_changed = bool(track), False
        return {
            "name": self.name,
            "view_name": self.view_name,
            "columns": [{"name": c.name, "type": c.type.value} for c in self.columns],
            "indexes": [
                {
                    "name": index.name,
                    "columns": [
                        {"name": ic.column, "ascending": ic.ascending, "type": types.get(ic.column, "text")}
                        for ic in index.indexed_columns()
                    ],
                }
                for index in self.indexes
            ],
            "local_only": self.local_only,
            "insert_only": self.insert_only,
            "include_metadata": self.track_metadata,
            "include_old": include_old,
            "include_old_only_when_changed": only_changed,
            "ignore_empty_update": self.ignore_empty_updates,
        }


class Schema:
    """The tables of a database; validated when built (raises InvalidArgumentError)."""

    def __init__(self, tables: Iterable[Table]) -> None:
        self.tables: tuple[Table, ...] = tuple(tables)
        from ._loader import load  # validation needs the library

        self._json = json.dumps({"tables": [t.to_dict() for t in self.tables]})
        load().validate_schema(self._json)

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)

    def __getitem__(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    def __repr__(self) -> str:
        return f"Schema([{', '.join(t.name for t in self.tables)}])"

    def to_json(self) -> str:
        return self._json
