#!/usr/bin/env python3
"""A small todo app on PowerSync, synced through powersync-devserver.

    build/devserver/powersync-devserver serve --config devserver/config/demo.yaml &
    TOKEN=$(build/devserver/powersync-devserver token --subject u1 --config devserver/config/demo.yaml)
    python3 examples/python/todo.py --token "$TOKEN" add "buy milk"
    python3 examples/python/todo.py --token "$TOKEN" list
    python3 examples/python/todo.py --token "$TOKEN" done <id>
    python3 examples/python/todo.py --token "$TOKEN" watch      # live view, Ctrl-C to stop

Writes land in the local database at once and are uploaded to the devserver's backend API;
other devices of the same user see them through the sync stream.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import urllib.request
import uuid
from datetime import datetime, timezone

from powersync import (Column, PowerSyncBackendConnector, PowerSyncCredentials, PowerSyncDatabase, Schema, Table)

SCHEMA = Schema([
    Table("lists", [Column.text("created_at"), Column.text("name"), Column.text("owner_id")]),
    Table("todos", [Column.text("created_at"), Column.text("completed_at"), Column.text("description"),
                    Column.integer("completed"), Column.text("created_by"), Column.text("completed_by"),
                    Column.text("list_id")]),
])


class DevserverConnector(PowerSyncBackendConnector):
    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token

    async def fetch_credentials(self) -> PowerSyncCredentials:
        return PowerSyncCredentials(endpoint=self.url, token=self.token)

    async def upload_data(self, database: PowerSyncDatabase) -> None:
        async for tx in database.get_crud_transactions():
            batch = [{"op": e.op.value, "type": e.table, "id": e.id, "data": e.op_data or {}} for e in tx.crud]
            await asyncio.to_thread(self._post, {"batch": batch})
            await tx.complete_async()

    def _post(self, body: dict) -> None:
        request = urllib.request.Request(f"{self.url}/api/data", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=30):
            pass


def user_of(token: str) -> str:
    import base64
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def show(rows: list[dict]) -> None:
    for row in rows:
        mark = "x" if row["completed"] else " "
        print(f"[{mark}] {row['description']}  ({row['id']})")
    if not rows:
        print("(no todos)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the devserver")
    parser.add_argument("--token", required=True, help="a token from `powersync-devserver token`")
    parser.add_argument("--db", default="todo.db", help="the local database file")
    parser.add_argument("command", choices=["add", "list", "done", "watch"])
    parser.add_argument("arg", nargs="?")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    user = user_of(args.token)

    async with PowerSyncDatabase(schema=SCHEMA, path=args.db) as db:
        db.connect(DevserverConnector(args.url, args.token), crud_upload_throttle=0)
        if not await asyncio.to_thread(db.wait_for_first_sync, None, 10):
            print(f"not synced yet ({db.current_status.any_error or 'offline'}); showing local data")
        now = datetime.now(timezone.utc).isoformat()
        if args.command == "add":
            await db.execute_async(
                "INSERT INTO todos(id, created_at, description, completed, created_by) VALUES (?, ?, ?, 0, ?)",
                [str(uuid.uuid4()), now, args.arg or "something", user])
        elif args.command == "done":
            await db.execute_async("UPDATE todos SET completed = 1, completed_at = ?, completed_by = ? WHERE id = ?",
                                   [now, user, args.arg])
        query = "SELECT id, description, completed FROM todos ORDER BY created_at"
        if args.command == "watch":
            async for rows in db.watch(query):
                print("\n-- todos --")
                show(rows)
        else:
            show(await db.get_all_async(query))
            for _ in range(100):  # let the upload finish before exiting
                if db.get_upload_queue_stats().count == 0:
                    break
                await asyncio.sleep(0.1)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
