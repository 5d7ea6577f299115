"""Preparing a dataset: where the files live, and one path per dataset kind that puts them there.

Every kind goes through the same two steps: obtain the files in the cache (links into the mirror, or a
download of what is missing), then verify them through :func:`~utils.data.checksums.check_once`, so a
dataset whose files have not changed since their last full check is only ``stat``-ed.
"""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from utils.data.atomic import atomic_write
from utils.data.catalog import DATASETS, MIRROR_ENV, ArchiveDataset, DataError, MnistDataset
from utils.data.checksums import (
    MIB,
    check_once,
    manifest_digest,
    manifest_of,
    manifest_paths,
    read_manifest,
    stamp_path,
    verify_files,
)
from utils.data.fetch import download, download_first, extract_folder

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


def archive_dir() -> Path:
    """Where fastai keeps downloaded archives (``~/.fastai/archive`` by default)."""
    from fastai.data.external import fastai_cfg

    return Path(fastai_cfg().path("archive"))


# ----------------------------------------------------------------------------- obtaining


@dataclass(frozen=True)
class Obtained:
    """A dataset's files, now in the cache, and the full check that vouches for them (raises on failure)."""

    paths: list[Path]
    check: Callable[[], object]


def link_into_cache(link: Path, target: Path) -> None:
    """Point ``link`` at ``target``, replacing an old link (never a real file or folder)."""
    if link.is_symlink():
        if link.resolve() == target.resolve():
            return
        link.unlink()
    elif link.exists():
        return  # a real download already in the cache: it is verified like the mirror would be
    link.symlink_to(target, target_is_directory=target.is_dir())


# ----------------------------------------------------------------------------- fastai archives


def prepare_archive(spec: ArchiveDataset, mirror: Path | None, root: Path) -> tuple[Path, int]:
    """Put a fastai dataset at ``root/<name>`` and verify it; return that folder and its file count."""
    obtained = _link_archive(spec, mirror, root) if mirror is not None else _download_archive(spec, root)
    check_once(stamp_path(root, spec.name), obtained.paths, obtained.check)
    return root / spec.name, len(obtained.paths)


def _link_archive(spec: ArchiveDataset, mirror: Path, root: Path) -> Obtained:
    """Link the mirror's folder into the cache; the check compares every file with the mirror's manifest."""
    manifest_file = mirror / f"{spec.name}.md5"
    manifest = read_manifest(manifest_file)
    if manifest_digest(manifest) != spec.manifest_sha256:
        raise DataError(
            f"Manifest {manifest_file} does not list the files this course expects "
            f"(sha256 {manifest_digest(manifest)}, expected {spec.manifest_sha256}). "
            f"Restore the mirror from its source, or unset {MIRROR_ENV} to download."
        )
    link_into_cache(root / spec.name, mirror / spec.name)
    fix = (f"Restore the file from the original dataset (or re-copy the mirror {mirror}), "
           f"or unset {MIRROR_ENV} to download it.")
    return Obtained(manifest_paths(root, manifest), lambda: verify_files(root, manifest, fix))


def _download_archive(spec: ArchiveDataset, root: Path) -> Obtained:
    """Download and extract the archive unless its folder exists; the check compares the folder's
    files with the published dataset."""
    target = root / spec.name
    if not target.exists():
        size, md5_first_mib = spec.archive_check()
        archive = download(spec.url, archive_dir() / f"{spec.name}.tgz", size, md5_first_mib=md5_first_mib)
        extract_folder(archive, spec.name, target)
    paths = sorted(p for p in target.rglob("*") if p.is_file())

    def check_against_published() -> None:
        if manifest_digest(manifest_of(root, paths)) != spec.manifest_sha256:
            raise DataError(
                f"The files in {target} differ from the published {spec.name} dataset. Delete that folder "
                f"and run again to download it afresh, or set {MIRROR_ENV} to a verified mirror."
            )

    return Obtained(paths, check_against_published)


# ----------------------------------------------------------------------------- torchvision's MNIST


def prepare_mnist(spec: MnistDataset, mirror: Path | None, root: Path) -> tuple[Path, int]:
    """Put MNIST's ``.gz`` files under ``root/MNIST/raw``, verify them and extract them; return the
    ``root`` for torchvision and the number of files."""
    (root / spec.raw_folder).mkdir(parents=True, exist_ok=True)
    obtained = _link_mnist(spec, mirror, root) if mirror is not None else _download_mnist(spec, root)
    check_once(stamp_path(root, spec.name), obtained.paths, obtained.check)
    _extract_missing(obtained.paths)
    return root, len(spec.files)


def _link_mnist(spec: MnistDataset, mirror: Path, root: Path) -> Obtained:
    """Link each of the mirror's files into the cache; the check compares them with the course's md5s."""
    manifest_file = mirror / f"{spec.name}.md5"
    if manifest_digest(read_manifest(manifest_file)) != manifest_digest(spec.manifest_lines):
        raise DataError(
            f"Manifest {manifest_file} does not list the {spec.name} files this course expects. "
            f"Restore it, or unset {MIRROR_ENV} to download."
        )
    lines = [spec.manifest_line(f) for f in spec.files]
    paths = manifest_paths(root, lines)
    for path in paths:
        link_into_cache(path, mirror / path.relative_to(root))
    fix = f"Restore it (or re-copy the mirror {mirror}), or unset {MIRROR_ENV} to download it."
    return Obtained(paths, lambda: verify_files(root, lines, fix))


def _download_mnist(spec: MnistDataset, root: Path) -> Obtained:
    """Download each missing file; the check compares every file with the course's md5s."""
    paths = []
    for f in spec.files:
        gz = root / spec.raw_folder / f.name
        if not gz.exists():
            download_first([base + f.name for base in spec.urls], gz, f.size, f.md5)
        paths.append(gz)

    def check_each() -> None:
        for f, gz in zip(spec.files, paths):
            verify_files(root, [spec.manifest_line(f)], f"Delete {gz} and run again to download it afresh.")

    return Obtained(paths, check_each)


def _extract_missing(gz_files: list[Path]) -> None:
    """Decompress each ``.gz`` beside itself unless done before: what torchvision would do, done here so
    it has nothing to print."""
    for gz in gz_files:
        extracted = gz.with_suffix("")
        if not extracted.exists():
            with gzip.open(gz, "rb") as src, atomic_write(extracted) as out:
                shutil.copyfileobj(src, out, MIB)


# ----------------------------------------------------------------------------- entry points


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
        path, count = prepare_archive(spec, mirror, root)
    else:
        path, count = prepare_mnist(spec, mirror, root)
    if verbose:
        source = f"mirror {mirror}" if mirror else "download cache"
        print(f"{name}: {count} files verified ({source})")
    return path


def prefetch_all() -> None:
    """Fetch and verify every dataset the course uses (idempotent); print what was verified."""
    for name in DATASETS:
        prepare_dataset(name, verbose=True)
