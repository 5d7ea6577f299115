"""``python -m utils.data``: prefetch and verify every dataset the course uses."""

from __future__ import annotations

import sys

from utils.data.catalog import DataError
from utils.data.prepare import prefetch_all


def main() -> None:
    """Prefetch everything; on a :class:`DataError`, exit with ``error: <message>``."""
    try:
        prefetch_all()
    except DataError as err:
        sys.exit(f"error: {err}")


if __name__ == "__main__":
    main()
