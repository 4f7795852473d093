#!/usr/bin/env python3
"""Fails when a function of the C ABI has no binding in a language package (ARCHITECTURE.md,
C ABI rule 9). A function counts as bound when the package's native sources call it, or when
bindings/<package>-unbound.txt names it with the reason it is reached another way.

    check_bindings.py <repo-root> <package>     e.g. check_bindings.py . python
"""
import pathlib
import re
import sys

NATIVE_SOURCES = {"python": ["python/native/*.cpp", "python/native/*.hpp"]}


def exported_functions(header: str) -> set[str]:
    return set(re.findall(r"POWERSYNC_API[^;]*?\b(powersync_\w+)\s*\(", header, re.S))


def allowed_unbound(path: pathlib.Path) -> dict[str, str]:
    allowed = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        if not reason.strip():
            sys.exit(f"{path}: '{name}' needs a reason")
        allowed[name] = reason.strip()
    return allowed


def main() -> int:
    root, package = pathlib.Path(sys.argv[1]), sys.argv[2]
    functions = exported_functions((root / "capi/include/powersync.h").read_text())
    sources = "".join(p.read_text() for pattern in NATIVE_SOURCES[package] for p in sorted(root.glob(pattern)))
    allowed = allowed_unbound(root / f"bindings/{package}-unbound.txt")
    unbound = sorted(f for f in functions if not re.search(rf"\b{f}\b", sources) and f not in allowed)
    stale = sorted(f for f in allowed if f not in functions or re.search(rf"\b{f}\b", sources))
    for f in unbound:
        print(f"{package}: {f} has no binding (bind it, or list it in bindings/{package}-unbound.txt with a reason)")
    for f in stale:
        print(f"{package}: bindings/{package}-unbound.txt lists {f}, which is bound or no longer exported")
    if not unbound and not stale:
        print(f"{package}: all {len(functions)} C functions are bound ({len(allowed)} through another function)")
    return 1 if unbound or stale else 0


if __name__ == "__main__":
    sys.exit(main())
