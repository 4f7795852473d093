"""Builds the _native extension over libpowersync and ships the library inside the package.

libpowersync comes from, in order:
  POWERSYNC_LIBRARY   a built libpowersync.so (e.g. build/capi/libpowersync.so);
  otherwise cmake builds the target `powersync` of the repository this folder lives in
  (POWERSYNC_SOURCE_DIR overrides it) into POWERSYNC_BUILD_DIR (default build/native here).
The header is taken from <source>/capi/include unless POWERSYNC_INCLUDE_DIR says otherwise.
The extension finds the library next to itself through RPATH $ORIGIN.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pybind11.setup_helpers import Pybind11Extension, build_ext
from setuptools import setup

HERE = Path(__file__).resolve().parent
SOURCE_DIR = Path(os.environ.get("POWERSYNC_SOURCE_DIR", HERE.parent)).resolve()
INCLUDE_DIR = Path(os.environ.get("POWERSYNC_INCLUDE_DIR", SOURCE_DIR / "capi" / "include"))
SONAME = "libpowersync.so.0"


def _build_library_with_cmake() -> Path:
    build_dir = Path(os.environ.get("POWERSYNC_BUILD_DIR", HERE / "build" / "native")).resolve()
    if not (SOURCE_DIR / "capi" / "CMakeLists.txt").exists():
        raise RuntimeError(
            f"cannot build libpowersync: no powersync-cpp sources at {SOURCE_DIR}; "
            "set POWERSYNC_LIBRARY to a built libpowersync.so or POWERSYNC_SOURCE_DIR to the repository"
        )
    jobs = os.environ.get("POWERSYNC_BUILD_JOBS", "2")
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.check_call(
        ["cmake", "-S", str(SOURCE_DIR), "-B", str(build_dir), *generator,
         "-DCMAKE_BUILD_TYPE=Release", "-DPOWERSYNC_BUILD_TESTS=OFF", "-DPOWERSYNC_BUILD_BENCH=OFF"]
    )
    subprocess.check_call(["cmake", "--build", str(build_dir), "--target", "powersync", "-j", jobs])
    return build_dir / "capi" / "libpowersync.so"


def _library() -> Path:
    given = os.environ.get("POWERSYNC_LIBRARY")
    library = Path(given).resolve() if given else _build_library_with_cmake()
    if not library.exists():
        raise RuntimeError(f"libpowersync not found at {library}")
    return library


class BuildWithLibrary(build_ext):
    """Puts libpowersync.so.0 next to the extension before linking against it."""

    def run(self) -> None:
        library = _library()
        for ext in self.extensions:
            # Absolute: a relative path would make the link below dangle (it resolves from its own folder).
            target_dir = Path(self.get_ext_fullpath(ext.name)).resolve().parent
            target_dir.mkdir(parents=True, exist_ok=True)
            shipped = target_dir / SONAME
            shutil.copyfile(library, shipped)
            if shutil.which("strip") and not os.environ.get("POWERSYNC_KEEP_DEBUG_INFO"):
                subprocess.check_call(["strip", "--strip-debug", str(shipped)])
            # The linker looks for libpowersync.so; give it one beside the shipped copy.
            link_dir = Path(self.build_temp) / "powersync-link"
            link_dir.mkdir(parents=True, exist_ok=True)
            link = link_dir / "libpowersync.so"
            if link.exists() or link.is_symlink():
                link.unlink()
            link.symlink_to(shipped)
            ext.library_dirs.append(str(link_dir))
        super().run()


native_sources = sorted(str(p.relative_to(HERE)) for p in (HERE / "native").glob("*.cpp"))

setup(
    ext_modules=[
        Pybind11Extension(
            "powersync._native",
            native_sources,
            include_dirs=[str(INCLUDE_DIR)],
            libraries=["powersync"],
            extra_link_args=["-Wl,-rpath,$ORIGIN"],
            cxx_std=17,
        )
    ],
    cmdclass={"build_ext": BuildWithLibrary},
)
