"""Packaging: versions, the shipped native library and the refusal of a mismatched one."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import powersync
from powersync import _loader, _native


def test_versions_are_reported():
    assert powersync.__version__ == "0.1.0"
    assert powersync.library_version == powersync.__version__
    assert powersync.sqlite_version.startswith("3.")
    assert _native.HEADER_VERSION_NUMBER == _native.library_version_number()


def test_native_library_ships_inside_the_package():
    package_dir = Path(powersync.__file__).parent
    assert (package_dir / "libpowersync.so.0").is_file()
    assert (package_dir / "py.typed").is_file()
    with open("/proc/self/maps") as maps:
        loaded = {line.split()[-1] for line in maps if "libpowersync" in line}
    assert loaded == {str((package_dir / "libpowersync.so.0").resolve())}


def test_version_check_accepts_matching_versions():
    _loader.check_versions(1000, "0.1.0", 1000, "0.1.0", "0.1.0")


def test_version_check_refuses_other_library_version():
    with pytest.raises(ImportError, match=r"libpowersync 0\.2\.0 .* does not match .* 0\.1\.0"):
        _loader.check_versions(1000, "0.1.0", 2000, "0.2.0", "0.1.0")


def test_version_check_refuses_package_mismatch():
    with pytest.raises(ImportError, match="Python package is 0.3.0"):
        _loader.check_versions(1000, "0.1.0", 1000, "0.1.0", "0.3.0")


def test_import_refuses_a_library_reporting_another_version(tmp_path):
    # A preloaded library that answers powersync_version_number() with another number takes
    # the place of the shipped one's symbol, as a stale libpowersync on the path would.
    source = tmp_path / "fake.c"
    source.write_text(textwrap.dedent("""
        #include <stdint.h>
        int32_t powersync_version_number(void) { return 9000; }
        const char *powersync_version(void) { return "0.9.0"; }
    """))
    fake = tmp_path / "libfake.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(fake), str(source)], check=True)
    env = dict(os.environ, LD_PRELOAD=str(fake))
    result = subprocess.run([sys.executable, "-c", "import powersync"], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "libpowersync 0.9.0 (version number 9000) does not match" in result.stderr
    assert "reinstall the powersync package" in result.stderr
