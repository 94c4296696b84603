"""Writing a file so that it is the old version or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["fsync", "fsync_folder", "replacing"]


def fsync(path: Path) -> None:
    """Flush a file's contents to disk."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk (a file moved into it stays moved), where the file system can."""
    with contextlib.suppress(OSError):  # not every file system lets a folder be flushed
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


@contextlib.contextmanager
def replacing(
    target: Path, *, suffix: str, failure: Callable[[str], Exception], durable: bool = False
) -> Iterator[Path]:
    """A temporary file beside ``target`` to write; moved over ``target`` in one step when the block ends.

    A block that raises leaves ``target`` as it was and the temporary file
    removed. ``durable`` flushes the file and its folder to disk around the
    move. A missing or unwritable folder raises ``failure(message)``.
    """
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise failure(f"{target}: the folder {folder} does not exist")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}-", suffix=suffix, dir=folder)
    except OSError as error:
        raise failure(f"{target}: cannot write in {folder} ({error.strerror})") from None
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        if durable:
            fsync(temp)
        os.replace(temp, target)
        if durable:
            fsync_folder(folder)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
