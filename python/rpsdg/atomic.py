"""Files and directories that appear whole, created with the user's umask.

Every writer in rpsdg that replaces a file or a directory goes through here: write into a fresh hidden sibling, then
rename it into place, so a reader sees the old version or the new one, never a part. ``tempfile.mkstemp`` and
``mkdtemp`` are not used because they create 0600/0700 entries; here the kernel applies the umask (0666/0777 less
the umask), as for any file the user writes. Errors creating the temporary are :class:`RpsdgError` naming the place.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from rpsdg.errors import RpsdgError


def _fresh(directory: Path, prefix: str, suffix: str, make_dir: bool) -> Path:
    """A new, empty file (mode 0666) or directory (0777) in ``directory``, both less the umask (the kernel applies
    it, unlike ``mkstemp``/``mkdtemp``, which make 0600/0700)."""
    for _ in range(100):
        candidate = directory / f"{prefix}{secrets.token_hex(6)}{suffix}"
        try:
            if make_dir:
                os.mkdir(candidate, 0o777)
            else:
                os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return candidate
        except FileExistsError:
            continue
        except OSError as error:
            raise RpsdgError(f"{directory}: cannot create {'a directory' if make_dir else 'a file'} there "
                             f"({error.strerror}); choose a location that exists and is writable") from None
    raise RpsdgError(f"{directory}: could not find a free temporary name; remove stale {prefix}* entries")


def work_dir(parent: Path, name: str) -> Path:
    """A fresh hidden directory ``.NAME.tmp-XXXX`` in ``parent`` for output that :func:`move_into_place` will move."""
    return _fresh(parent, f".{name}.tmp-", "", make_dir=True)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` (mode 0666 less the umask) to write; renamed onto ``path`` when the block
    ends without error, removed otherwise. Readers see the old file or the new one, never a part."""
    temporary = _fresh(path.parent, f".{path.name}.", ".tmp", make_dir=False)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, value: Any, indent: int = 2) -> None:
    """Write JSON to ``path`` through a temporary file and a rename (with the user's umask)."""
    with atomic_path(path) as temporary:
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(value, handle, indent=indent, ensure_ascii=False, sort_keys=False)
            handle.write("\n")


def move_into_place(finished: Path, out: Path) -> None:
    """Replace directory ``out`` by ``finished`` (a sibling): readers see the old or the new tree, never a mix."""
    if out.exists():
        retired = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, retired)
        os.replace(finished, out)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(finished, out)
