"""Datasets: the real upstream loaders, served from a verified local mirror when one is configured.

Chapters load data exactly as readers will elsewhere (``untar_data(URLs.MNIST_SAMPLE)``,
``torchvision.datasets.MNIST(root, download=True)``, ``ImageFolder``). Before that, one call to
:func:`prepare_dataset` makes sure the files are in the place those loaders look, and verified:

* With the environment variable ``COURSE_DATA_MIRROR`` pointing at a folder laid out with the
  upstream names (``mnist_sample/``, ``cifar10/``, ``MNIST/raw/*.gz`` plus ``<name>.md5`` manifests),
  the loaders are pointed at the mirror's files and every file is checked against its manifest, with
  no network. The mirror is only read; anything written goes to the cache (fastai's data folder).
* Without it, the files are downloaded from their upstream URLs into the cache, checked, and moved
  into place only once complete, so a failed download leaves no partial file.
* A dataset of any kind (archive or MNIST) that passed a full checksum check gets a stamp in
  ``<cache>/.verified``; later calls only ``stat`` its files and hash them again if any file's size,
  inode or modification time changed. Delete that folder to force a full check.

Run ``python -m utils.data`` to prefetch and verify every dataset the course uses.

Inside the package: :mod:`~utils.data.catalog` (what the datasets are), :mod:`~utils.data.checksums`
(manifests and stamps), :mod:`~utils.data.atomic` (files that appear only once complete),
:mod:`~utils.data.fetch` (downloads) and :mod:`~utils.data.prepare` (putting each kind in place).
"""

from utils.data.catalog import MIRROR_ENV, DataError
from utils.data.prepare import data_root, prefetch_all, prepare_dataset

__all__ = ["MIRROR_ENV", "DataError", "data_root", "prefetch_all", "prepare_dataset"]
