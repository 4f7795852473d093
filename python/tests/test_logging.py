"""Library log records arrive through the standard logging module."""
from __future__ import annotations

import logging
import time


def test_library_warnings_reach_the_powersync_logger(db, caplog):
    import sys
    previous = sys.unraisablehook
    sys.unraisablehook = lambda info: None
    try:
        with caplog.at_level(logging.WARNING, logger="powersync"):
            def boom(rows):
                raise RuntimeError("no")
            with db.watch("SELECT 1", on_result=boom, throttle_ms=0):
                for _ in range(500):
                    if any("CALLBACK_FAILED" in r.getMessage() for r in caplog.records):
                        break
                    time.sleep(0.01)
    finally:
        sys.unraisablehook = previous
    record = next(r for r in caplog.records if "CALLBACK_FAILED" in r.getMessage())
    assert record.name == "powersync" and record.levelno == logging.WARNING


def test_debug_level_is_forwarded_once_enabled(schema, caplog):
    from powersync import PowerSyncDatabase, _logging
    with caplog.at_level(logging.DEBUG, logger="powersync"):
        _logging.sync_log_level()
        with PowerSyncDatabase(schema) as database:
            database.execute("INSERT INTO lists(id) VALUES ('1')")
    logging.getLogger("powersync").setLevel(logging.NOTSET)
    _logging.sync_log_level()
    assert all(r.name == "powersync" for r in caplog.records)
