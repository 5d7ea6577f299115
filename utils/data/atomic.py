"""Files that appear only once complete: write beside the destination, then rename into place."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_write(dest: Path) -> Iterator[BinaryIO]:
    """Yield a binary file to write ``dest``'s content to.

    The file is a temporary one beside ``dest`` (its ``name`` is its path). When the block ends normally
    it gets mode ``0o644`` and replaces ``dest``; when the block raises, it is removed and ``dest`` is
    left as it was.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        with open(tmp, "wb") as out:
            yield out
        tmp.chmod(0o644)
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
