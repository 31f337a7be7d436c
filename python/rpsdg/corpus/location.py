"""Where a corpus lives: a local directory, or a URL of any fsspec filesystem (``s3://``, ``gs://``, ``memory://``).

``rpsdg build --out`` and the corpus arguments of ``check``, ``show`` and ``export`` go through :func:`as_location`:
a plain path (or a ``file://`` URL) becomes a :class:`pathlib.Path` and takes the local code path unchanged (work
directory, rename, flock); any other ``scheme://`` becomes a :class:`RemotePath` on an fsspec filesystem. Readers
(``corpus.store.Corpus``) use a ``RemotePath`` like a ``Path``: it implements the few ``pathlib`` methods they call
(``/``, ``is_file``, ``is_dir``, ``open``, ``read_bytes``, ``resolve``), and turns every failure of the filesystem into
an :class:`RpsdgError` that names the URL and the fix. Writing to one is ``corpus.remote.RemoteCorpusWriter``.

Credentials and endpoints are the filesystem's business: environment variables (``AWS_ACCESS_KEY_ID``,
``AWS_ENDPOINT_URL``, ``GOOGLE_APPLICATION_CREDENTIALS``...), the provider's config files, fsspec's own config
(``~/.config/fsspec/*.json`` or ``FSSPEC_S3_ENDPOINT_URL``-style variables), or ``--storage-option KEY=VALUE`` (keyword
arguments of the filesystem, e.g. ``endpoint_url=http://localhost:9000`` or ``anon=true`` for s3fs). To support a new
kind of store nothing changes here: install its fsspec implementation.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, Any, Iterable, Mapping
from urllib.parse import unquote, urlsplit

from rpsdg.errors import RpsdgError

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
CLOUD_EXTRA = "pip install 'rpsdg[cloud]'"
"""How to install fsspec and s3fs; other stores need their fsspec package (gcsfs, adlfs...)."""


def is_url(text: str | Path) -> bool:
    """Whether ``text`` is a ``scheme://...`` URL (a ``Path`` never is)."""
    return isinstance(text, str) and bool(_URL.match(text))


def parse_storage_options(items: Iterable[str]) -> dict[str, Any]:
    """``--storage-option KEY=VALUE`` pairs as filesystem keyword arguments. A value that is valid JSON is decoded
    (``true``, ``3``, ``{"region_name": "eu-west-1"}``); any other value is a string."""
    options: dict[str, Any] = {}
    for item in items:
        key, equals, value = item.partition("=")
        key = key.strip()
        if not equals or not key.isidentifier():
            raise RpsdgError(f"--storage-option {item!r}: write KEY=VALUE (e.g. endpoint_url=http://localhost:9000 "
                             f"or anon=true)")
        try:
            options[key] = json.loads(value)
        except ValueError:
            options[key] = value
    return options


def as_location(text: str | Path, storage_options: Mapping[str, Any] | None = None,
                what: str = "--out") -> "Path | RemotePath":
    """``text`` as a local ``Path`` (a plain path or ``file://`` URL) or a :class:`RemotePath` (any other URL).
    ``what`` names the argument in error messages."""
    if not is_url(text):
        if storage_options:
            raise RpsdgError(f"--storage-option: only used with a URL ({what} {text} is a local path); drop it")
        return Path(text)
    scheme = _URL.match(str(text)).group(1).lower()  # type: ignore[union-attr]
    if scheme == "file":
        parts = urlsplit(str(text))
        if parts.netloc not in ("", "localhost"):
            raise RpsdgError(f"{what} {text}: a file:// URL names a local path (file:///abs/path); use a path")
        if storage_options:
            raise RpsdgError(f"--storage-option: only used with a remote URL ({what} {text} is local); drop it")
        return Path(unquote(parts.path))
    return RemotePath.from_url(str(text), dict(storage_options or {}), what)


def _package_for(protocol: str) -> str:
    """The package that provides fsspec's ``protocol`` (``s3`` → ``s3fs``), from fsspec's registry."""
    try:
        from fsspec.registry import known_implementations
    except ImportError:
        return "fsspec"
    entry = known_implementations.get(protocol, {})
    return str(entry.get("class", "fsspec")).split(".")[0] or "fsspec"


class RemotePath:
    """A file or folder on an fsspec filesystem, used by readers like a ``pathlib.Path`` (see the module docstring).

    ``str()`` is the URL. There is deliberately no ``__fspath__``: code that would open it as a local file fails
    loudly instead of reading the wrong thing.
    """

    def __init__(self, fs: Any, path: str, url: str, what: str = "--out"):
        self.fs, self.path, self.url, self.what = fs, path.rstrip("/") or path, url.rstrip("/"), what

    @classmethod
    def from_url(cls, url: str, storage_options: dict[str, Any], what: str = "--out") -> "RemotePath":
        """The root of ``url``; a clear error for an unknown protocol, a missing package or bad options."""
        protocol = _URL.match(url).group(1).lower()  # type: ignore[union-attr]
        try:
            import fsspec.core
        except ImportError:
            raise RpsdgError(f"{what} {url}: URLs need the fsspec package, which is not installed; install it with "
                             f"`{CLOUD_EXTRA}`, or use a local path") from None
        try:
            # a fresh instance: a cached one may hold listings that another process has changed since
            fs, path = fsspec.core.url_to_fs(url, skip_instance_cache=True, **storage_options)
        except ValueError as error:
            if "Protocol not known" in str(error):
                raise RpsdgError(f"{what} {url}: unknown storage protocol {protocol!r}; use a local path or a URL "
                                 f"that fsspec knows (s3://, gs://, az://, memory://, ...)") from None
            raise RpsdgError(f"{what} {url}: not a usable URL ({error}); check its spelling") from None
        except ImportError:
            package = _package_for(protocol)
            raise RpsdgError(f"{what} {url}: {protocol}:// needs the {package} package, which is not installed; "
                             f"install it with `pip install {package}`"
                             f"{f' (or `{CLOUD_EXTRA}`)' if package == 's3fs' else ''}") from None
        except TypeError as error:
            raise RpsdgError(f"{what} {url}: the storage options were refused ({error}); fix --storage-option") \
                from None
        if not str(path).strip("/"):
            raise RpsdgError(f"{what} {url}: names no bucket or folder; give one, e.g. s3://BUCKET/corpus")
        return cls(fs, str(path), url, what)

    # -- pathlib's surface, as the readers use it ----------------------------------------------------------------

    def __truediv__(self, name: str) -> "RemotePath":
        return RemotePath(self.fs, f"{self.path}/{name}", f"{self.url}/{name}", self.what)

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"RemotePath({self.url!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemotePath) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def resolve(self) -> "RemotePath":
        return self

    @property
    def parents(self) -> tuple["RemotePath", ...]:
        return ()

    def fail(self, doing: str, error: BaseException) -> RpsdgError:
        """The :class:`RpsdgError` for ``error`` raised while ``doing`` something with this object."""
        if isinstance(error, RpsdgError):
            return error
        detail = f"{type(error).__name__}: {error}".strip().rstrip(":")
        if isinstance(error, FileNotFoundError):
            fix = "check the URL, and that its bucket (or container) exists"
        elif isinstance(error, PermissionError) or "credential" in detail.lower() or "denied" in detail.lower():
            fix = ("check your credentials (environment variables such as AWS_ACCESS_KEY_ID, the provider's config "
                   "files, or --storage-option; see docs/corpus.md)")
        else:
            fix = "check the URL, the endpoint and your credentials (see docs/corpus.md)"
        return RpsdgError(f"{self.url}: cannot {doing} ({detail}); {fix}")

    def _call(self, doing: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except Exception as error:  # any filesystem's failure (botocore, aiohttp, OSError...) becomes our error
            raise self.fail(doing, error) from None

    def exists(self) -> bool:
        return bool(self._call("look it up", self.fs.exists, self.path))

    def is_file(self) -> bool:
        return bool(self._call("look it up", self.fs.isfile, self.path))

    def is_dir(self) -> bool:
        return bool(self._call("look it up", self.fs.isdir, self.path))

    def read_bytes(self) -> bytes:
        return bytes(self._call("read it", self.fs.cat_file, self.path))

    def open(self, mode: str = "rb") -> IO[bytes]:  # type: ignore[override]
        if mode != "rb":
            raise ValueError("RemotePath.open reads bytes only; writers use RemoteCorpusWriter")
        return self._call("read it", self.fs.open, self.path, "rb")

    # -- what writers need ----------------------------------------------------------------------------------------

    def write_bytes(self, data: bytes) -> None:
        """One put of the whole object: on object stores it appears whole or not at all."""
        self._call("write it", self.fs.pipe_file, self.path, data)

    def unlink(self, missing_ok: bool = True) -> None:
        try:
            self.fs.rm_file(self.path)
        except FileNotFoundError:
            if not missing_ok:
                raise
        except Exception as error:
            raise self.fail("remove it", error) from None

    def names(self) -> list[str]:
        """The names directly inside this folder (none when it does not exist)."""
        try:
            entries = self.fs.ls(self.path, detail=False)
        except FileNotFoundError:
            return []
        except Exception as error:
            raise self.fail("list it", error) from None
        return sorted(str(entry).rstrip("/").rsplit("/", 1)[-1] for entry in entries
                      if str(entry).rstrip("/") != self.path)

    def files(self) -> list[str]:
        """The paths, relative to this folder, of every file below it."""
        try:
            found = self.fs.find(self.path)
        except FileNotFoundError:
            return []
        except Exception as error:
            raise self.fail("list it", error) from None
        prefix = self.path + "/"
        return sorted(str(entry)[len(prefix):] for entry in found if str(entry).startswith(prefix))

    def remove_tree(self) -> None:
        """Remove everything below this folder, entry by entry: never the folder itself, which at the top of a URL
        is the bucket (``s3fs``'s recursive ``rm`` of a bucket deletes the bucket)."""
        self.refresh()
        for name in self.names():
            try:
                self.fs.rm(f"{self.path}/{name}", recursive=True)
            except FileNotFoundError:
                pass
            except Exception as error:
                raise self.fail("remove what is there", error) from None

    def refresh(self) -> None:
        """Forget cached listings (another process may have written since)."""
        try:
            self.fs.invalidate_cache()
        except Exception:  # a filesystem without a cache: nothing to forget
            pass
