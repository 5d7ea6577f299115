"""Checksums: md5 of files, ``md5sum``-style manifests, and stat stamps that spare repeated full checks."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

from utils.data.atomic import atomic_write
from utils.data.catalog import MIRROR_ENV, DataError

MIB = 1 << 20  # bytes read at a time
VERIFIED_DIR = ".verified"  # in the cache: one stamp per dataset that passed a full checksum check
RACY_SECONDS = 2.0


def md5_of(path: Path, limit: int | None = None) -> str:
    """The md5 of a file (of its first ``limit`` bytes when given)."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        if limit is not None:
            digest.update(f.read(limit))
        else:
            for chunk in iter(lambda: f.read(MIB), b""):
                digest.update(chunk)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- manifests


def manifest_digest(lines: list[str]) -> str:
    """sha256 of a manifest's lines, sorted, so the digest does not depend on line order."""
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def read_manifest(path: Path) -> list[str]:
    """The non-empty lines of an ``md5sum``-style manifest, normalised to ``md5  relpath``."""
    if not path.is_file():
        raise DataError(f"Manifest {path} is missing. Restore it in the mirror, or unset {MIRROR_ENV}.")
    lines = []
    for raw in path.read_text().splitlines():
        if raw.strip():
            md5, rel = raw.strip().split(maxsplit=1)
            lines.append(f"{md5}  {rel.lstrip('*')}")
    return lines


def manifest_paths(base: Path, lines: list[str]) -> list[Path]:
    """The files a manifest lists, as paths under ``base``."""
    return [base / line.split(maxsplit=1)[1] for line in lines]


def manifest_of(base: Path, paths: list[Path]) -> list[str]:
    """The manifest lines (``md5  relpath``, relative to ``base``) of the files at ``paths``, hashing each."""
    return [f"{md5_of(p)}  {p.relative_to(base).as_posix()}" for p in paths]


def verify_files(base: Path, manifest_lines: list[str], fix: str) -> int:
    """Check every file of a manifest (paths relative to ``base``); return how many were checked.

    Raises :class:`DataError` naming the first missing or corrupt file, both checksums and ``fix``.
    """
    for line in manifest_lines:
        expected, rel = line.split(maxsplit=1)
        path = base / rel
        if not path.is_file():
            raise DataError(f"Dataset file {path} is missing. {fix}")
        actual = md5_of(path)
        if actual != expected:
            raise DataError(
                f"Dataset file {path} is corrupt: md5 {actual}, expected {expected}. {fix}"
            )
    return len(manifest_lines)


# ----------------------------------------------------------------------------- stamps


def stamp_path(cache: Path, name: str) -> Path:
    """Where the stamp of dataset ``name`` lives in the cache."""
    return cache / VERIFIED_DIR / f"{name}.sha256"


def _stat_fingerprint(paths: list[Path]) -> tuple[str, float] | None:
    """sha256 of every file's path, size, inode and modification time, and the newest modification
    time; ``None`` if a file is missing."""
    digest, newest = hashlib.sha256(), 0.0
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            return None
        digest.update(f"{path}\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}\n".encode())
        newest = max(newest, st.st_mtime)
    return digest.hexdigest(), newest


def check_once(stamp: Path, paths: list[Path], check: Callable[[], object]) -> None:
    """Run ``check`` (a full checksum check that raises on failure) unless ``paths`` passed it before
    and none of them has changed since, as seen by ``stat`` alone.

    A pass leaves a stamp at ``stamp``. Like git's index, no stamp vouches for files modified in the
    last ``RACY_SECONDS``: within the clock's granularity, a later same-size edit could keep the mtime.
    """
    seen = _stat_fingerprint(paths)
    if seen is not None and stamp.is_file() and stamp.read_text().strip() == seen[0]:
        return
    check()
    if seen is None or seen[1] > time.time() - RACY_SECONDS:
        return
    with atomic_write(stamp) as out:
        out.write(f"{seen[0]}\n".encode())
