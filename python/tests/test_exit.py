"""The interpreter exits cleanly with open databases, live watches and running callbacks."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def test_exit_with_open_database_and_busy_callbacks(tmp_path):
    script = textwrap.dedent(f"""
        import logging, threading
        from powersync import Column, PowerSyncDatabase, Schema, Table
        logging.basicConfig(level=logging.DEBUG)
        db = PowerSyncDatabase(Schema([Table("t", [Column.text("a")])]), {str(tmp_path / "x.db")!r})
        seen = threading.Event()
        def on_result(rows):
            seen.set()
            db.get_all("SELECT * FROM t")
        db.watch("SELECT count(*) FROM t", on_result=on_result, throttle_ms=0)
        db.on_change(["t"], callback=lambda tables: None, throttle_ms=0)
        def writer():
            for i in range(10000):
                try:
                    db.execute("INSERT INTO t(id, a) VALUES (uuid(), 'x')")
                except Exception:
                    return
        threading.Thread(target=writer, daemon=True).start()
        seen.wait(10)
        print("exiting")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "exiting"
