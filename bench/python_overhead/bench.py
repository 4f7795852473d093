#!/usr/bin/env python3
"""Python overhead over the C ABI (goal P5): per-call time of get and execute, and the
local write -> watch callback latency, measured in Python and, in the same run, from C
(c_overhead.c, compiled here against the libpowersync shipped in the installed package).
Figures are medians in microseconds; printed, not asserted.

    python3 bench/python_overhead/bench.py [--calls 20000] [--writes 300]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import powersync
from powersync import Column, PowerSyncDatabase, Schema, Table

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def build_c(out_dir: Path) -> Path:
    package = Path(powersync.__file__).parent
    binary = out_dir / "c_overhead"
    subprocess.run(["cc", "-O2", "-std=c99", "-o", str(binary), str(HERE / "c_overhead.c"),
                    f"-I{REPO / 'capi' / 'include'}", str(package / "libpowersync.so.0"),
                    f"-Wl,-rpath,{package}", "-lpthread"], check=True)
    return binary


def run_c(binary: Path, folder: Path, calls: int, writes: int) -> dict[str, float]:
    out = subprocess.run([str(binary), str(folder / "c.db"), str(calls), str(writes)], check=True,
                         capture_output=True, text=True).stdout
    return {name: float(value) for name, value in (line.split() for line in out.splitlines())}


def run_python(folder: Path, calls: int, writes: int) -> dict[str, float]:
    schema = Schema([Table("items", [Column.text("name"), Column.integer("n")])])
    results: dict[str, float] = {}
    with PowerSyncDatabase(schema, str(folder / "py.db")) as db:
        db.execute_batch("INSERT INTO items(id, name, n) VALUES (?, ?, 0)",
                         [[f"id-{i}", f"item {i}"] for i in range(1000)])
        clock = time.perf_counter
        samples = []
        for i in range(calls):
            start = clock()
            db.get("SELECT id, name, n FROM items WHERE id = ?", [f"id-{i % 1000}"])
            samples.append(clock() - start)
        results["get"] = statistics.median(samples) * 1e6
        samples = []
        for i in range(calls // 4):
            start = clock()
            db.execute("UPDATE items SET n = ? WHERE id = ?", [i, f"id-{i % 1000}"])
            samples.append(clock() - start)
        results["execute"] = statistics.median(samples) * 1e6

        arrived = threading.Condition()
        count = [0]

        def on_result(rows):
            with arrived:
                count[0] += 1
                arrived.notify_all()

        with db.watch("SELECT count(*) FROM items", on_result=on_result, throttle_ms=0):
            with arrived:
                arrived.wait_for(lambda: count[0] >= 1, 10)
            samples = []
            for i in range(writes):
                before = count[0]
                start = clock()
                db.execute("INSERT INTO items(id, n) VALUES (?, 0)", [f"w-{i}"])
                with arrived:
                    arrived.wait_for(lambda: count[0] > before, 10)
                samples.append(clock() - start)
        results["watch"] = statistics.median(samples) * 1e6
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--writes", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        c = run_c(build_c(folder), folder, args.calls, args.writes)
        py = run_python(folder, args.calls, args.writes)
    print(f"powersync {powersync.__version__} (libpowersync {powersync.library_version}), "
          f"{args.calls} gets, {args.calls // 4} executes, {args.writes} watched writes; medians in microseconds")
    print(f"{'measure':<28}{'C':>10}{'Python':>10}{'overhead':>10}")
    labels = {"get": "get (1 row by id)", "execute": "execute (UPDATE by id)", "watch": "local write -> watch callback"}
    for key, label in labels.items():
        print(f"{label:<28}{c[key]:>10.2f}{py[key]:>10.2f}{py[key] - c[key]:>+10.2f}")


if __name__ == "__main__":
    main()
