"""Runs powersync-devserver for the end-to-end tests: a fresh backend per server, port 0."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[2]

CONFIG = """
port: 0
host: 127.0.0.1
storage: {{type: sqlite, path: {storage}}}
replication:
  connections:
    - {{type: sqlite, path: {backend}, demo_schema: true}}
sync_config:
  content: |
    config:
      edition: 3
    streams:
      my_lists:
        query: SELECT * FROM lists WHERE owner_id = auth.user_id()
        auto_subscribe: true
      my_todos:
        query: SELECT * FROM todos WHERE created_by = auth.user_id()
        auto_subscribe: true
      list_todos:
        query: SELECT * FROM todos WHERE list_id = subscription.parameter('list_id')
      region_lists:
        query: SELECT * FROM lists WHERE name = connection.parameter('region')
client_auth:
  jwks:
    keys:
      - {{kty: oct, alg: HS256, kid: test, k: cHl0aG9uLXRlc3RzLXNlY3JldC1mb3ItZGV2c2VydmVy}}
  audience: [powersync-dev]
devserver: {{poll_interval_ms: 50}}
"""


def devserver_binary() -> Path:
    given = os.environ.get("POWERSYNC_DEVSERVER")
    candidates = [Path(given)] if given else sorted(REPO.glob("build*/devserver/powersync-devserver"))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise RuntimeError("powersync-devserver not found: build it (cmake --build build --target powersync-devserver) "
                       "or set POWERSYNC_DEVSERVER")


class DevServer:
    def __init__(self, folder: Path) -> None:
        self.binary = devserver_binary()
        self.backend_path = folder / "backend.db"
        self.config_path = folder / "devserver.yaml"
        self.config_path.write_text(CONFIG.format(storage=folder / "storage.db", backend=self.backend_path))
        self.process = subprocess.Popen([str(self.binary), "serve", "--config", str(self.config_path)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"devserver did not start: {line!r}")
        self.url = match.group(1)

    def token(self, subject: str, expires: str = "1h") -> str:
        out = subprocess.run([str(self.binary), "token", "--subject", subject, "--expires", expires,
                              "--config", str(self.config_path)], check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def backend(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Runs SQL on the backend database, as another backend process would."""
        with sqlite3.connect(self.backend_path, timeout=30) as connection:
            return connection.execute(sql, params).fetchall()

    def upload(self, batch: list[dict[str, Any]], token: str) -> dict[str, Any]:
        request = urllib.request.Request(f"{self.url}/api/data", data=json.dumps({"batch": batch}).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {token}"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_until(predicate: Callable[[], Any], timeout: float = 30.0, message: str = "condition") -> Any:
    """Polls until predicate() is truthy; a bounded wait, failing with `message` after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.05)
