"""The data layer: mirror resolution, verification errors, and downloads that leave no partial file."""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import http.server
import io
import os
import shutil
import tarfile
import time
import types
from pathlib import Path

import pytest
from helpers import serve

from utils.data import DataError, catalog, checksums, fetch, prepare_dataset
from utils.data.atomic import atomic_write
from utils.data.catalog import ArchiveDataset, MnistDataset, RawFile

REAL_MIRROR = os.environ.get("COURSE_DATA_MIRROR")


def _md5(b: bytes) -> str:
    return hashlib.md5(b).hexdigest()


def make_fake_mirror(root: Path, name: str = "tiny") -> tuple[Path, ArchiveDataset]:
    """A mirror holding one small dataset ``name`` with its manifest, and the matching spec."""
    files = {f"{name}/labels.csv": b"name,label\n", f"{name}/train/3/1.png": b"three",
             f"{name}/train/7/2.png": b"seven"}
    lines = []
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content)
        lines.append(f"{_md5(content)}  {rel}")
    (root / f"{name}.md5").write_text("\n".join(lines) + "\n")
    spec = ArchiveDataset(name=name, title=f"{name} (test)", url_name="MNIST_SAMPLE",
                          manifest_sha256=checksums.manifest_digest(lines))
    return root, spec


@pytest.fixture()
def fake_mirror(tmp_path, isolated_cache, monkeypatch):
    mirror, spec = make_fake_mirror(tmp_path / "mirror")
    monkeypatch.setitem(catalog.DATASETS, spec.name, spec)
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(mirror))
    return mirror, spec


def test_mirror_dataset_resolves_where_untar_data_looks(fake_mirror, isolated_cache):
    _, spec = fake_mirror
    path = prepare_dataset(spec.name)
    assert path == isolated_cache / "data" / "tiny"
    assert (path / "train" / "3" / "1.png").read_bytes() == b"three"
    # idempotent: a second call finds the same verified folder
    assert prepare_dataset(spec.name) == path


def test_mirror_is_never_written(fake_mirror):
    mirror, spec = fake_mirror
    before = sorted((p.relative_to(mirror), p.stat().st_mtime_ns) for p in mirror.rglob("*"))
    prepare_dataset(spec.name)
    assert sorted((p.relative_to(mirror), p.stat().st_mtime_ns) for p in mirror.rglob("*")) == before


def test_corrupt_mirror_file_names_file_checksums_and_fix(fake_mirror):
    mirror, spec = fake_mirror
    corrupt = mirror / "tiny" / "train" / "7" / "2.png"
    corrupt.write_bytes(b"sevem")
    with pytest.raises(DataError) as err:
        prepare_dataset(spec.name)
    message = str(err.value)
    assert "2.png" in message
    assert _md5(b"seven") in message and _md5(b"sevem") in message
    assert "COURSE_DATA_MIRROR" in message


def test_missing_mirror_file_is_named(fake_mirror):
    mirror, spec = fake_mirror
    (mirror / "tiny" / "train" / "3" / "1.png").unlink()
    with pytest.raises(DataError, match=r"1\.png is missing"):
        prepare_dataset(spec.name)


def test_tampered_manifest_is_rejected(fake_mirror):
    mirror, spec = fake_mirror
    manifest = mirror / "tiny.md5"
    manifest.write_text(manifest.read_text().replace("train/7/2.png", "train/7/3.png"))
    with pytest.raises(DataError, match="does not list the files"):
        prepare_dataset(spec.name)


def _age(folder: Path, seconds: float = 3600) -> None:
    """Set every file's modification time ``seconds`` into the past, like a mirror copied long ago."""
    past = time.time() - seconds
    for p in folder.rglob("*"):
        os.utime(p, (past, past))


def _count_hashing(monkeypatch) -> list[Path]:
    hashed: list[Path] = []
    real_md5_of = checksums.md5_of
    monkeypatch.setattr(checksums, "md5_of",
                        lambda path, limit=None: hashed.append(path) or real_md5_of(path, limit))
    return hashed


def test_verified_mirror_is_not_hashed_again_until_a_file_changes(fake_mirror, monkeypatch):
    mirror, spec = fake_mirror
    _age(mirror)
    hashed = _count_hashing(monkeypatch)
    prepare_dataset(spec.name)
    assert len(hashed) == 3
    prepare_dataset(spec.name)
    assert len(hashed) == 3  # the stamp vouched for the unchanged files
    corrupt = mirror / "tiny" / "train" / "7" / "2.png"
    corrupt.write_bytes(b"sevem")  # same size, new modification time
    with pytest.raises(DataError, match="2.png is corrupt"):
        prepare_dataset(spec.name)


def test_failed_check_leaves_no_stamp(fake_mirror):
    mirror, spec = fake_mirror
    (mirror / "tiny" / "labels.csv").write_bytes(b"oops")
    _age(mirror)
    for _ in range(2):  # the second call must check again, not trust the first
        with pytest.raises(DataError, match="labels.csv is corrupt"):
            prepare_dataset(spec.name)


def test_recently_modified_files_get_no_stamp(fake_mirror, monkeypatch):
    _, spec = fake_mirror  # files written just now: a same-size edit might keep their mtime
    hashed = _count_hashing(monkeypatch)
    prepare_dataset(spec.name)
    prepare_dataset(spec.name)
    assert len(hashed) == 6


FAKE_MNIST = {"train-labels-idx1-ubyte": b"\x05\x00\x04\x01", "t10k-labels-idx1-ubyte": b"\x07\x02"}


def make_fake_mnist(folder: Path) -> MnistDataset:
    """Small real ``.gz`` files under ``folder/MNIST/raw`` with their manifest, and the matching spec."""
    raw = folder / "MNIST" / "raw"
    raw.mkdir(parents=True)
    files = []
    for name, content in FAKE_MNIST.items():
        gz = gzip.compress(content, mtime=0)
        (raw / f"{name}.gz").write_bytes(gz)
        files.append(RawFile(f"{name}.gz", len(gz), _md5(gz)))
    spec = MnistDataset(name="MNIST", title="MNIST (test)", urls=(), files=tuple(files))
    (folder / "MNIST.md5").write_text("\n".join(spec.manifest_lines) + "\n")
    return spec


def test_mnist_from_mirror_is_hashed_once_then_only_stat_ed(isolated_cache, monkeypatch, tmp_path):
    mirror = tmp_path / "mirror"
    monkeypatch.setitem(catalog.DATASETS, "MNIST", make_fake_mnist(mirror))
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(mirror))
    _age(mirror)
    hashed = _count_hashing(monkeypatch)
    root = prepare_dataset("MNIST")
    assert root == isolated_cache / "data"
    assert len(hashed) == len(FAKE_MNIST)
    for name, content in FAKE_MNIST.items():
        assert (root / "MNIST" / "raw" / name).read_bytes() == content  # extracted beside the .gz
    prepare_dataset("MNIST")
    assert len(hashed) == len(FAKE_MNIST)  # the stamp vouched for the unchanged files
    corrupt = mirror / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz"
    content = bytearray(corrupt.read_bytes())
    content[-1] ^= 0xFF
    corrupt.write_bytes(bytes(content))  # same size, new modification time
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is corrupt"):
        prepare_dataset("MNIST")


def test_mirror_variable_pointing_nowhere_names_the_variable(isolated_cache, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(tmp_path / "nope"))
    with pytest.raises(DataError, match="COURSE_DATA_MIRROR"):
        prepare_dataset("mnist_sample")


def test_unknown_dataset_lists_the_choices():
    with pytest.raises(ValueError, match="mnist_sample"):
        prepare_dataset("imagenet")


# ----------------------------------------------------------------------------- downloads


def _bytes_handler(files: dict[str, bytes]) -> type[http.server.BaseHTTPRequestHandler]:
    """A request handler that serves fixed bytes at /<name>, and 404 for anything else."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = files.get(self.path.lstrip("/"))
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture()
def server():
    """Start loopback servers of fixed bytes (tests/helpers.serve): ``server(files).url``."""
    with contextlib.ExitStack() as stack:
        yield lambda files: types.SimpleNamespace(url=stack.enter_context(serve(_bytes_handler(files))))


def test_download_verifies_and_places_file(server, tmp_path):
    s = server({"a.bin": b"hello world"})
    dest = tmp_path / "out" / "a.bin"
    fetch.download(s.url + "a.bin", dest, size=11, md5=_md5(b"hello world"))
    assert dest.read_bytes() == b"hello world"
    assert list(dest.parent.iterdir()) == [dest]


def test_corrupt_download_leaves_no_file(server, tmp_path):
    s = server({"a.bin": b"hello wrld!"})
    dest = tmp_path / "out" / "a.bin"
    with pytest.raises(DataError, match="md5"):
        fetch.download(s.url + "a.bin", dest, size=11, md5=_md5(b"hello world"))
    assert list(dest.parent.iterdir()) == []


def test_failed_download_leaves_no_file_and_names_the_mirror_variable(server, tmp_path):
    s = server({})
    dest = tmp_path / "out" / "a.bin"
    with pytest.raises(DataError, match="COURSE_DATA_MIRROR"):
        fetch.download(s.url + "missing.bin", dest, size=11)
    assert list(dest.parent.iterdir()) == []


def test_atomic_write_leaves_no_file_when_the_block_raises(tmp_path):
    dest = tmp_path / "out" / "a.bin"
    with pytest.raises(RuntimeError), atomic_write(dest) as out:
        out.write(b"half")
        raise RuntimeError("interrupted")
    assert list(dest.parent.iterdir()) == []
    dest.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_write(dest) as out:
        out.write(b"new")
        raise RuntimeError("interrupted")
    assert list(dest.parent.iterdir()) == [dest] and dest.read_bytes() == b"old"
    with atomic_write(dest) as out:
        out.write(b"new")
    assert list(dest.parent.iterdir()) == [dest] and dest.read_bytes() == b"new"
    assert dest.stat().st_mode & 0o777 == 0o644


def test_offline_without_mirror_fails_fast(isolated_cache, monkeypatch):
    # Port 9 (discard) on loopback refuses connections: what a machine with no network sees at once.
    monkeypatch.setattr(ArchiveDataset, "url", property(lambda self: "http://127.0.0.1:9/mnist_sample.tgz"))
    start = time.monotonic()
    with pytest.raises(DataError, match="COURSE_DATA_MIRROR"):
        prepare_dataset("mnist_sample")
    assert time.monotonic() - start < 10
    archive = isolated_cache / "archive"
    assert not archive.exists() or list(archive.iterdir()) == []


def test_downloaded_archive_is_extracted_and_verified(server, isolated_cache, monkeypatch, tmp_path):
    _, spec = make_fake_mirror(tmp_path / "src")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(tmp_path / "src" / "tiny", arcname="tiny")
    archive = buffer.getvalue()
    s = server({"tiny.tgz": archive})
    monkeypatch.setitem(catalog.DATASETS, "tiny", spec)
    monkeypatch.setattr(ArchiveDataset, "url", property(lambda self: s.url + "tiny.tgz"))
    monkeypatch.setattr(ArchiveDataset, "archive_check",
                        lambda self: (len(archive), _md5(archive[: 1 << 20])))
    path = prepare_dataset("tiny")
    assert (path / "train" / "7" / "2.png").read_bytes() == b"seven"
    assert (isolated_cache / "archive" / "tiny.tgz").exists()
    _age(path)
    hashed = _count_hashing(monkeypatch)
    prepare_dataset("tiny")  # full check, then a stamp for the aged files
    prepare_dataset("tiny")  # stat only
    assert len(hashed) == 3


def test_downloaded_mnist_tries_the_next_url_then_is_extracted_and_stamped(
        server, isolated_cache, monkeypatch, tmp_path):
    spec = make_fake_mnist(tmp_path / "src")
    s = server({f.name: (tmp_path / "src" / "MNIST" / "raw" / f.name).read_bytes() for f in spec.files})
    spec = dataclasses.replace(spec, urls=("http://127.0.0.1:9/", s.url))  # the first one refuses
    monkeypatch.setitem(catalog.DATASETS, "MNIST", spec)
    root = prepare_dataset("MNIST")
    for name, content in FAKE_MNIST.items():
        assert (root / "MNIST" / "raw" / name).read_bytes() == content
    _age(root / "MNIST")
    hashed = _count_hashing(monkeypatch)
    prepare_dataset("MNIST")  # full check, then a stamp for the aged files
    prepare_dataset("MNIST")  # stat only
    assert len(hashed) == len(FAKE_MNIST)


# ----------------------------------------------------------------------------- the real mirror


needs_mirror = pytest.mark.skipif(not REAL_MIRROR, reason="COURSE_DATA_MIRROR is not set (CI sets it)")


@pytest.mark.data
@needs_mirror
def test_real_mnist_from_mirror_loads_with_torchvision(isolated_cache, monkeypatch):
    import torchvision

    monkeypatch.setenv("COURSE_DATA_MIRROR", REAL_MIRROR)
    root = prepare_dataset("MNIST")
    train = torchvision.datasets.MNIST(root, train=True, download=True)
    test = torchvision.datasets.MNIST(root, train=False, download=True)
    assert (len(train), len(test)) == (60000, 10000)
    assert int(train.targets[:5].sum()) == 5 + 0 + 4 + 1 + 9  # the famous first digits


@pytest.mark.data
@needs_mirror
def test_real_mnist_sample_from_mirror_with_untar_data(isolated_cache, monkeypatch):
    from fastai.data.external import URLs, untar_data

    monkeypatch.setenv("COURSE_DATA_MIRROR", REAL_MIRROR)
    prepared = prepare_dataset("mnist_sample")
    path = untar_data(URLs.MNIST_SAMPLE)
    assert path == prepared
    assert len(list((path / "valid" / "7").iterdir())) == 1028


@pytest.mark.data
@needs_mirror
def test_corrupted_copy_of_real_mirror_gives_clear_error(isolated_cache, monkeypatch, tmp_path):
    copy = tmp_path / "mirror"
    shutil.copytree(Path(REAL_MIRROR) / "MNIST", copy / "MNIST")
    shutil.copy(Path(REAL_MIRROR) / "MNIST.md5", copy / "MNIST.md5")
    target = copy / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz"
    target.chmod(0o644)
    content = bytearray(target.read_bytes())
    content[100] ^= 0xFF
    target.write_bytes(bytes(content))
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(copy))
    with pytest.raises(DataError) as err:
        prepare_dataset("MNIST")
    message = str(err.value)
    assert "t10k-labels-idx1-ubyte.gz" in message
    assert "ec29112dd5afa0611ce80d1b7f02629c" in message  # the expected md5, from torchvision
    assert "COURSE_DATA_MIRROR" in message
