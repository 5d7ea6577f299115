"""Datasets: the real upstream loaders, served from a verified local mirror when one is configured.

Chapters load data exactly as readers will elsewhere (``untar_data(URLs.MNIST_SAMPLE)``,
``torchvision.datasets.MNIST(root, download=True)``, ``ImageFolder``). Before that, one call to
:func:`prepare_dataset` makes sure the files are in the place those loaders look, and verified:

* With the environment variable ``COURSE_DATA_MIRROR`` pointing at a folder laid out with the
  upstream names (``mnist_sample/``, ``cifar10/``, ``MNIST/raw/*.gz`` plus ``<name>.md5`` manifests),
  every file is checked against its manifest and the loaders are pointed at it, with no network.
  The mirror is only read; anything written goes to the cache (fastai's data folder).
* Without it, the files are downloaded from their upstream URLs into the cache, checked, and moved
  into place only once complete, so a failed download leaves no partial file.
* A dataset that passed a full checksum check gets a stamp in ``<cache>/.verified``; later calls only
  ``stat`` its files and hash them again if any file's size, inode or modification time changed. Delete
  that folder to force a full check.

Run ``python -m utils.data`` to prefetch and verify every dataset the course uses.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import socket
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MIRROR_ENV = "COURSE_DATA_MIRROR"
VERIFIED_DIR = ".verified"  # in the cache: one stamp per dataset that passed a full checksum check
RACY_SECONDS = 2.0
DOWNLOAD_TIMEOUT_S = 15.0
_CHUNK = 1 << 20


class DataError(RuntimeError):
    """A dataset is missing, corrupt or cannot be fetched; the message says how to fix it."""


@dataclass(frozen=True)
class ArchiveDataset:
    """A fastai dataset: one ``.tgz`` that ``untar_data`` extracts to ``<fastai data>/<name>``."""

    name: str
    url_name: str  # the attribute of fastai's ``URLs`` holding its address
    manifest_sha256: str  # sha256 of the sorted "md5  name/relpath" lines of every file

    @property
    def url(self) -> str:
        from fastai.data.external import URLs

        return getattr(URLs, self.url_name)

    def archive_check(self) -> tuple[int, str]:
        """(size, md5 of the first MiB) that fastai itself records for this archive."""
        import fastai.data
        from fastai.data.external import URLs
        from fastdownload.core import checks_module, read_checks

        return tuple(read_checks(checks_module(fastai.data))[getattr(URLs, self.url_name)])


@dataclass(frozen=True)
class RawFile:
    name: str
    size: int
    md5: str


@dataclass(frozen=True)
class MnistDataset:
    """torchvision's MNIST: four ``.gz`` files under ``<root>/MNIST/raw``, extracted beside them."""

    name: str
    urls: tuple[str, ...]
    files: tuple[RawFile, ...]

    @property
    def manifest_lines(self) -> list[str]:
        return sorted(f"{f.md5}  MNIST/raw/{f.name}" for f in self.files)


DATASETS: dict[str, ArchiveDataset | MnistDataset] = {
    "mnist_sample": ArchiveDataset(
        "mnist_sample", "MNIST_SAMPLE", "3644f8093d6badbaafea308a79828e21d0282a864c10e403ea8e992607d9570f"
    ),
    "cifar10": ArchiveDataset(
        "cifar10", "CIFAR", "30dbe4dc610c8c3d7ff76d0966ebfbc43d007a39749d4e7d4319200211376db4"
    ),
    "MNIST": MnistDataset(
        name="MNIST",
        urls=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        files=(
            RawFile("train-images-idx3-ubyte.gz", 9912422, "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            RawFile("train-labels-idx1-ubyte.gz", 28881, "d53e105ee54ea40749a09fcbcd1e9432"),
            RawFile("t10k-images-idx3-ubyte.gz", 1648877, "9fb629c4189551a2d022fa330f9573f3"),
            RawFile("t10k-labels-idx1-ubyte.gz", 4542, "ec29112dd5afa0611ce80d1b7f02629c"),
        ),
    ),
}


# ----------------------------------------------------------------------------- locations


def mirror_dir() -> Path | None:
    """The local mirror named by ``COURSE_DATA_MIRROR``, or ``None`` when the variable is unset."""
    value = os.environ.get(MIRROR_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise DataError(
            f"{MIRROR_ENV}={value!r} is not a folder. Point it at a dataset mirror "
            f"(a folder holding mnist_sample/, cifar10/, MNIST/raw/ and their .md5 manifests), "
            f"or unset it to download from the internet."
        )
    return path


def data_root() -> Path:
    """The writable cache every dataset lives in: fastai's data folder (``~/.fastai/data`` by default).

    Pass it as ``root`` to torchvision datasets; ``untar_data`` uses it on its own.
    """
    from fastai.data.external import fastai_cfg

    root = Path(fastai_cfg().path("data"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def _archive_dir() -> Path:
    from fastai.data.external import fastai_cfg

    return Path(fastai_cfg().path("archive"))


# ----------------------------------------------------------------------------- checksums


def md5_of(path: Path, limit: int | None = None) -> str:
    """The md5 of a file (of its first ``limit`` bytes when given)."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        if limit is not None:
            digest.update(f.read(limit))
        else:
            for chunk in iter(lambda: f.read(_CHUNK), b""):
                digest.update(chunk)
    return digest.hexdigest()


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


def _check_once(name: str, paths: list[Path], check: Callable[[], object]) -> None:
    """Run ``check`` (a full checksum check that raises on failure) unless ``paths`` passed it before
    and none of them has changed since, as seen by ``stat`` alone.

    A pass leaves a stamp in the cache. Like git's index, no stamp vouches for files modified in the
    last ``RACY_SECONDS``: within the clock's granularity, a later same-size edit could keep the mtime.
    """
    stamp = data_root() / VERIFIED_DIR / f"{name}.sha256"
    seen = _stat_fingerprint(paths)
    if seen is not None and stamp.is_file() and stamp.read_text().strip() == seen[0]:
        return
    check()
    if seen is None or seen[1] > time.time() - RACY_SECONDS:
        return
    stamp.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=stamp.parent, suffix=".part")
    with os.fdopen(fd, "w") as f:
        f.write(seen[0] + "\n")
    os.replace(tmp, stamp)


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


# ----------------------------------------------------------------------------- downloads


def download(url: str, dest: Path, size: int, md5: str | None = None, md5_first_mib: str | None = None,
             timeout: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """Download ``url`` to ``dest`` and check its size and checksum.

    The bytes go to a temporary file beside ``dest`` that is renamed only once it is complete and
    verified: a failed or corrupt download leaves nothing behind.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            shutil.copyfileobj(response, out, _CHUNK)
        actual_size = tmp.stat().st_size
        if actual_size != size:
            raise DataError(f"Download of {url} is {actual_size} bytes, expected {size}. Try again.")
        if md5 is not None and (actual := md5_of(tmp)) != md5:
            raise DataError(f"Download of {url} has md5 {actual}, expected {md5}. Try again.")
        if md5_first_mib is not None and (actual := md5_of(tmp, _CHUNK)) != md5_first_mib:
            raise DataError(f"Download of {url} has md5 {actual} (first MiB), expected {md5_first_mib}. Try again.")
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
        return dest
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as err:
        raise DataError(
            f"Could not download {url} ({err}). Without internet, set {MIRROR_ENV} to a local "
            f"dataset mirror folder (see the README) and run again."
        ) from err
    finally:
        tmp.unlink(missing_ok=True)


# ----------------------------------------------------------------------------- preparing


def _replace_link(link: Path, target: Path) -> None:
    """Point ``link`` at ``target``, replacing an old link (never a real folder)."""
    if link.is_symlink():
        if link.resolve() == target.resolve():
            return
        link.unlink()
    elif link.exists():
        return  # a real download already in the cache: it is verified like the mirror would be
    link.symlink_to(target, target_is_directory=target.is_dir())


def _prepare_archive(spec: ArchiveDataset, mirror: Path | None, root: Path) -> tuple[Path, int]:
    target = root / spec.name
    if mirror is not None:
        manifest = read_manifest(mirror / f"{spec.name}.md5")
        if manifest_digest(manifest) != spec.manifest_sha256:
            raise DataError(
                f"Manifest {mirror / (spec.name + '.md5')} does not list the files this course expects "
                f"(sha256 {manifest_digest(manifest)}, expected {spec.manifest_sha256}). "
                f"Restore the mirror from its source, or unset {MIRROR_ENV} to download."
            )
        _replace_link(target, mirror / spec.name)
        fix = (f"Restore the file from the original dataset (or re-copy the mirror {mirror}), "
               f"or unset {MIRROR_ENV} to download it.")
        paths = [root / line.split(maxsplit=1)[1] for line in manifest]
        _check_once(spec.name, paths, lambda: verify_files(root, manifest, fix))
        return target, len(manifest)
    if not target.exists():
        size, md5_first_mib = spec.archive_check()
        archive = download(spec.url, _archive_dir() / f"{spec.name}.tgz", size,
                           md5_first_mib=md5_first_mib)
        with tempfile.TemporaryDirectory(dir=root) as tmp:
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter="data")
            os.replace(Path(tmp) / spec.name, target)
    paths = sorted(p for p in target.rglob("*") if p.is_file())

    def check_against_published() -> None:
        lines = [f"{md5_of(p)}  {p.relative_to(root).as_posix()}" for p in paths]
        if manifest_digest(lines) != spec.manifest_sha256:
            raise DataError(
                f"The files in {target} differ from the published {spec.name} dataset. Delete that folder "
                f"and run again to download it afresh, or set {MIRROR_ENV} to a verified mirror."
            )

    _check_once(spec.name, paths, check_against_published)
    return target, len(paths)


def _prepare_mnist(spec: MnistDataset, mirror: Path | None, root: Path) -> tuple[Path, int]:
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    if mirror is not None:
        manifest = read_manifest(mirror / "MNIST.md5")
        if manifest_digest(manifest) != manifest_digest(spec.manifest_lines):
            raise DataError(
                f"Manifest {mirror / 'MNIST.md5'} does not list the MNIST files this course expects. "
                f"Restore it, or unset {MIRROR_ENV} to download."
            )
    for f in spec.files:
        gz = raw / f.name
        if mirror is not None:
            source = mirror / "MNIST" / "raw" / f.name
            fix = f"Restore it (or re-copy the mirror {mirror}), or unset {MIRROR_ENV} to download it."
            verify_files(mirror, [f"{f.md5}  MNIST/raw/{f.name}"], fix)
            _replace_link(gz, source)
        elif not gz.exists():
            _download_first(spec.urls, f, gz)
        verify_files(raw, [f"{f.md5}  {f.name}"], f"Delete {gz} and run again to download it afresh.")
        extracted = raw / f.name.removesuffix(".gz")
        if not extracted.exists():  # what torchvision would do, done here so it has nothing to print
            fd, tmp = tempfile.mkstemp(dir=raw, suffix=".part")
            try:
                with gzip.open(gz, "rb") as src, os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(src, out, _CHUNK)
                os.chmod(tmp, 0o644)
                os.replace(tmp, extracted)
            finally:
                Path(tmp).unlink(missing_ok=True)
    return root, len(spec.files)


def _download_first(urls: tuple[str, ...], f: RawFile, dest: Path) -> None:
    errors = []
    for base in urls:
        try:
            download(base + f.name, dest, f.size, md5=f.md5)
            return
        except DataError as err:
            errors.append(str(err))
    raise DataError(" / ".join(errors))


def prepare_dataset(name: str, verbose: bool = False) -> Path:
    """Make dataset ``name`` available, verified, where its upstream loader looks; return that path.

    ``"mnist_sample"`` and ``"cifar10"`` land in fastai's data folder, so ``untar_data(URLs...)`` finds
    them; ``"MNIST"`` returns the ``root`` to give ``torchvision.datasets.MNIST``.
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {sorted(DATASETS)}.")
    spec = DATASETS[name]
    mirror = mirror_dir()
    root = data_root()
    if isinstance(spec, ArchiveDataset):
        path, count = _prepare_archive(spec, mirror, root)
    else:
        path, count = _prepare_mnist(spec, mirror, root)
    if verbose:
        source = f"mirror {mirror}" if mirror else "download cache"
        print(f"{name}: {count} files verified ({source})")
    return path


def prefetch_all() -> None:
    """Fetch and verify every dataset the course uses (idempotent); print what was verified."""
    for name in DATASETS:
        prepare_dataset(name, verbose=True)


if __name__ == "__main__":
    try:
        prefetch_all()
    except DataError as err:
        sys.exit(f"error: {err}")
