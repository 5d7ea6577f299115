"""Fetching: HTTP downloads that are checked before they land, and archives extracted into place."""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from utils.data.atomic import atomic_write
from utils.data.catalog import MIRROR_ENV, DataError
from utils.data.checksums import MIB, md5_of

DOWNLOAD_TIMEOUT_S = 15.0


def download(url: str, dest: Path, size: int, md5: str | None = None, md5_first_mib: str | None = None,
             timeout: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """Download ``url`` to ``dest`` and check its size and checksum.

    The bytes go to a temporary file beside ``dest`` that is renamed only once it is complete and
    verified: a failed or corrupt download leaves nothing behind.
    """
    try:
        with atomic_write(dest) as out, urllib.request.urlopen(url, timeout=timeout) as response:
            shutil.copyfileobj(response, out, MIB)
            out.flush()
            _check_download(url, Path(out.name), size, md5, md5_first_mib)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
        raise DataError(
            f"Could not download {url} ({err}). Without internet, set {MIRROR_ENV} to a local "
            f"dataset mirror folder (see the README) and run again."
        ) from err
    return dest


def _check_download(url: str, path: Path, size: int, md5: str | None, md5_first_mib: str | None) -> None:
    """Raise :class:`DataError` unless the downloaded file has the expected size and checksums."""
    actual_size = path.stat().st_size
    if actual_size != size:
        raise DataError(f"Download of {url} is {actual_size} bytes, expected {size}. Try again.")
    if md5 is not None and (actual := md5_of(path)) != md5:
        raise DataError(f"Download of {url} has md5 {actual}, expected {md5}. Try again.")
    if md5_first_mib is not None and (actual := md5_of(path, MIB)) != md5_first_mib:
        raise DataError(
            f"Download of {url} has md5 {actual} (first MiB), expected {md5_first_mib}. Try again."
        )


def download_first(urls: list[str], dest: Path, size: int, md5: str) -> Path:
    """Download from the first of ``urls`` that works; if none does, raise every error in one."""
    errors = []
    for url in urls:
        try:
            return download(url, dest, size, md5=md5)
        except DataError as err:
            errors.append(str(err))
    raise DataError(" / ".join(errors))


def extract_folder(archive: Path, name: str, dest: Path) -> None:
    """Extract the folder ``name`` of a tar archive to ``dest``, which appears only once complete."""
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        os.replace(Path(tmp) / name, dest)
