#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/) from a few valid
sync lines, as NDJSON and as BSON. Run it again after changing the lines below; the output is
checked in so the fuzz run needs no Python."""

import json
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent


def bson_element(key, value):
    name = key.encode() + b"\x00"
    if value is None:
        return b"\x0a" + name
    if isinstance(value, bool):
        return b"\x08" + name + (b"\x01" if value else b"\x00")
    if isinstance(value, int):
        if -(2**31) <= value < 2**31:
            return b"\x10" + name + struct.pack("<i", value)
        return b"\x12" + name + struct.pack("<q", value)
    if isinstance(value, float):
        return b"\x01" + name + struct.pack("<d", value)
    if isinstance(value, str):
        text = value.encode()
        return b"\x02" + name + struct.pack("<i", len(text) + 1) + text + b"\x00"
    if isinstance(value, list):
        return b"\x04" + name + bson_document({str(i): v for i, v in enumerate(value)})
    return b"\x03" + name + bson_document(value)


def bson_document(fields):
    body = b"".join(bson_element(k, v) for k, v in fields.items())
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def put(op_id, table, row_id, row, checksum, subkey=None):
    op = {"op_id": str(op_id), "op": "PUT", "object_type": table, "object_id": row_id,
          "checksum": checksum, "data": json.dumps(row, separators=(",", ":"))}
    if subkey:
        op["subkey"] = subkey
    return op


INITIAL = [
    {"checkpoint": {"last_op_id": "3", "write_checkpoint": "1", "buckets": [
        {"bucket": "b1", "checksum": 6, "priority": 3, "count": 3, "subscriptions": [{"default": 0}]},
        {"bucket": "p0", "checksum": -1, "priority": 0, "count": 1}],
        "streams": [{"name": "my_lists", "is_default": True, "errors": []}]}},
    {"data": {"bucket": "p0", "has_more": False, "after": "0", "next_after": "4", "data": [
        put(4, "lists", "l0", {"id": "l0", "name": "zero"}, 4294967295)]}},
    {"partial_checkpoint_complete": {"last_op_id": "4", "priority": 0}},
    {"data": {"bucket": "b1", "has_more": True, "data": [
        put(1, "lists", "l1", {"id": "l1", "name": "groceries", "owner_id": "u1"}, 1),
        put(2, "todos", "t1", {"id": "t1", "list_id": "l1", "done": 0}, 2, subkey="k")]}},
    {"data": {"bucket": "b1", "data": [put(3, "other", "x", {"id": "x"}, 3)]}},
    {"checkpoint_complete": {"last_op_id": "4"}},
]
UPDATES = [
    {"checkpoint_diff": {"last_op_id": "8", "write_checkpoint": "2", "updated_buckets": [
        {"bucket": "b1", "checksum": 6 + 5 + 6 + 7 + 8, "priority": 3, "count": 7}], "removed_buckets": ["p0"]}},
    {"data": {"bucket": "b1", "data": [
        {"op_id": "5", "op": "REMOVE", "object_type": "todos", "object_id": "t1", "checksum": 5, "data": None},
        {"op_id": "6", "op": "MOVE", "checksum": 6},
        {"op_id": "7", "op": "CLEAR", "checksum": 7},
        put(8, "lists", "l1", {"id": "l1", "name": "renamed"}, 8)]}},
    {"token_expires_in": 25},
    {"a_future_line": {"x": [1, 2]}},
    {"checkpoint_complete": {"last_op_id": "8"}},
    {"token_expires_in": 0},
]
LINES = INITIAL + UPDATES


def write(target, name, data):
    folder = HERE / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def main():
    for i, line in enumerate(LINES):
        write("fuzz_json_line", f"line{i:02}.json", json.dumps(line, separators=(",", ":")).encode())
        write("fuzz_bson_line", f"line{i:02}.bson", bson_document(line))
    ndjson = "".join(json.dumps(l, separators=(",", ":")) + "\n" for l in LINES).encode()
    with_events = "".join(json.dumps(l, separators=(",", ":")) + "\n" for l in INITIAL)
    with_events = ("#w\n" + with_events + "#u2\n" + "".join(
        json.dumps(l, separators=(",", ":")) + "\n" for l in UPDATES[:-1]) + "#r\n#c\n").encode()
    bson = b"".join(bson_document(l) for l in LINES)
    # Byte 0: bit 0 = BSON, bits 1-7 = chunk size (0 = the whole body at once).
    write("fuzz_download_session", "ndjson_whole", b"\x00" + ndjson)
    write("fuzz_download_session", "ndjson_chunks7", bytes([7 << 1]) + ndjson)
    write("fuzz_download_session", "ndjson_events", b"\x00" + with_events)
    write("fuzz_download_session", "bson_whole", b"\x01" + bson)
    write("fuzz_download_session", "bson_chunks13", bytes([(13 << 1) | 1]) + bson)


if __name__ == "__main__":
    main()
