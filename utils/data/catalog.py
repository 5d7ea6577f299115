"""The datasets the course uses: what each one is, where it comes from, and how to recognise it."""

from __future__ import annotations

from dataclasses import dataclass

MIRROR_ENV = "COURSE_DATA_MIRROR"


class DataError(RuntimeError):
    """A dataset is missing, corrupt or cannot be fetched; the message says how to fix it."""


@dataclass(frozen=True)
class ArchiveDataset:
    """A fastai dataset: one ``.tgz`` that ``untar_data`` extracts to ``<fastai data>/<name>``."""

    name: str
    title: str  # the name readers see
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
    """One file of a dataset published file by file, with its published size and md5."""

    name: str
    size: int
    md5: str


@dataclass(frozen=True)
class MnistDataset:
    """torchvision's MNIST: four ``.gz`` files under ``<root>/MNIST/raw``, extracted beside them."""

    name: str
    title: str  # the name readers see
    urls: tuple[str, ...]  # base addresses, tried in order
    files: tuple[RawFile, ...]

    @property
    def raw_folder(self) -> str:
        """Where torchvision looks for the files, relative to its ``root``."""
        return f"{self.name}/raw"

    def manifest_line(self, file: RawFile) -> str:
        """The ``md5  relpath`` manifest line of one file, relative to ``root``."""
        return f"{file.md5}  {self.raw_folder}/{file.name}"

    @property
    def manifest_lines(self) -> list[str]:
        return sorted(self.manifest_line(f) for f in self.files)


DATASETS: dict[str, ArchiveDataset | MnistDataset] = {
    "mnist_sample": ArchiveDataset(
        name="mnist_sample",
        title="MNIST_SAMPLE (fastai)",
        url_name="MNIST_SAMPLE",
        manifest_sha256="3644f8093d6badbaafea308a79828e21d0282a864c10e403ea8e992607d9570f",
    ),
    "cifar10": ArchiveDataset(
        name="cifar10",
        title="CIFAR-10 (fastai)",
        url_name="CIFAR",
        manifest_sha256="30dbe4dc610c8c3d7ff76d0966ebfbc43d007a39749d4e7d4319200211376db4",
    ),
    "MNIST": MnistDataset(
        name="MNIST",
        title="MNIST (torchvision)",
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
