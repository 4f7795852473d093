"""The upload queue as the application sees it: CRUD entries grouped in batches or local
transactions, completed once the backend accepted them."""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional


class UpdateType(str, Enum):
    """The kind of change of a CRUD entry."""

    PUT = "PUT"  # insert or replace: op_data has every non-null column
    PATCH = "PATCH"  # update: op_data has the changed columns
    DELETE = "DELETE"


_OPS = {1: UpdateType.PUT, 2: UpdateType.PATCH, 3: UpdateType.DELETE}


@dataclass(frozen=True)
class CrudEntry:
    """One queued local change, to be applied by the backend."""

    client_id: int  # position in the upload queue
    op: UpdateType
    table: str
    id: str
    transaction_id: Optional[int] = None
    op_data: Optional[dict[str, Any]] = None
    previous_values: Optional[dict[str, Any]] = None  # tables with track_previous_values
    metadata: Optional[str] = None  # tables with track_metadata

    def to_json(self) -> dict[str, Any]:
        """The entry in the shape the official SDKs send to a backend."""
        out: dict[str, Any] = {"op_id": self.client_id, "op": self.op.value, "type": self.table, "id": self.id,
                               "tx_id": self.transaction_id, "data": self.op_data}
        if self.metadata is not None:
            out["metadata"] = self.metadata
        if self.previous_values is not None:
            out["old"] = self.previous_values
        return out

    @classmethod
    def _from_native(cls, row: tuple) -> "CrudEntry":
        client_id, tx_id, op, table, id_, data, old, metadata = row
        return cls(client_id=client_id, op=_OPS[op], table=table, id=id_, transaction_id=tx_id,
                   op_data=json.loads(data) if data else None, previous_values=json.loads(old) if old else None,
                   metadata=metadata)


@dataclass
class CrudBatch:
    """Up to ``limit`` of the oldest queued entries. ``complete()`` removes them (and only them)."""

    crud: list[CrudEntry]
    has_more: bool
    _handle: Any = field(repr=False, default=None)

    def complete(self, write_checkpoint: Optional[str] = None) -> None:
        """Removes these entries from the queue. ``write_checkpoint`` is the one the backend
        returned, if any: downloaded data is applied once the service has reached it."""
        self._handle.complete(write_checkpoint)

    async def complete_async(self, write_checkpoint: Optional[str] = None) -> None:
        await asyncio.to_thread(self.complete, write_checkpoint)


@dataclass
class CrudTransaction(CrudBatch):
    """All entries written by one local transaction."""

    transaction_id: Optional[int] = None


def _entries(handle: Any) -> list[CrudEntry]:
    return [CrudEntry._from_native(row) for row in handle.entries()]


class _CompleteThrough:
    """Completes the queue up to and including one entry, for a transaction that is not the
    oldest any more (the iterator moved past an earlier one that was left incomplete)."""

    def __init__(self, native: Any, last_client_id: int) -> None:
        self._native = native
        self._last = last_client_id

    def complete(self, write_checkpoint: Optional[str]) -> None:
        limit = 100
        while True:
            batch = self._native.get_crud_batch(limit)
            if batch is None:
                return
            ids = [row[0] for row in batch.entries()]
            if self._last in ids:
                position = ids.index(self._last)
                if position + 1 < len(ids):
                    batch = self._native.get_crud_batch(position + 1)
                batch.complete(write_checkpoint)
                return
            if ids[-1] > self._last or not batch.has_more:
                return  # completed meanwhile
            limit *= 2


def _transaction_after(native: Any, last_client_id: int) -> Optional[CrudTransaction]:
    limit = 100
    while True:
        batch = native.get_crud_batch(limit)
        if batch is None:
            return None
        later = [e for e in _entries(batch) if e.client_id > last_client_id]
        if not later:
            if not batch.has_more:
                return None
            limit *= 2
            continue
        first = later[0]
        group = [first]
        if first.transaction_id is not None:
            for e in later[1:]:
                if e.transaction_id != first.transaction_id:
                    break
                group.append(e)
        if len(group) == len(later) and batch.has_more:
            limit *= 2  # the transaction may continue past this batch
            continue
        return CrudTransaction(group, has_more=len(group) < len(later) or batch.has_more,
                               _handle=_CompleteThrough(native, group[-1].client_id),
                               transaction_id=first.transaction_id)


def iter_transactions(native: Any):
    """Every local transaction in the queue, oldest first, whether or not the caller completes
    each one before asking for the next (as the official getCrudTransactions())."""
    last = -1
    while True:
        handle = native.get_next_crud_transaction()
        if handle is None:
            return
        entries = _entries(handle)
        if entries[0].client_id > last:
            tx: Optional[CrudTransaction] = CrudTransaction(entries, handle.has_more, handle,
                                                            entries[0].transaction_id)
        else:
            tx = _transaction_after(native, last)
            if tx is None:
                return
        last = tx.crud[-1].client_id
        yield tx
