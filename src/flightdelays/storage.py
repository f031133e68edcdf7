"""Object storage for raw files and the lake: a local folder (`file://`) or S3 (`s3://`), one code.

Both kinds are served by obstore (Rust's `object_store`, the library polars' own cloud reader is
built on), so the options that open a store are the very `storage_options` polars reads it with.
S3 settings are explicit (`S3Options`, e.g. from an Airflow connection); fields left empty come
from the standard AWS chain (environment, profile, SSO, instance role; `AWS_ENDPOINT_URL` for
S3-compatible stores). Local writes are atomic: a partial file named after the writing process,
renamed into place (an S3 object appears whole on its own).
Credentials are never part of a store's URL or of its `repr`.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from flightdelays.errors import ConfigError, OutsideError

if TYPE_CHECKING:
    from obstore.store import LocalStore, S3Store

# A lost connection or a 5xx is retried inside each call with back-off (about 15 s in all)
# before the step gives up; the error then says how many retries were made.
_RETRY: dict[str, Any] = {
    "max_retries": 5,
    "backoff": {
        "init_backoff": dt.timedelta(milliseconds=500),
        "max_backoff": dt.timedelta(seconds=5),
        "base": 2.0,
    },
    "retry_timeout": dt.timedelta(seconds=60),
}


@dataclass(frozen=True)
class S3Options:
    """How to reach S3: explicit values win, empty ones come from the standard AWS chain."""

    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    region: str | None = None
    endpoint_url: str | None = None

    def resolved(self) -> S3Options:
        """Every field the AWS chain can fill, filled (keys, region, endpoint)."""
        access_key: str | None
        secret: str | None
        if self.access_key_id and self.secret_access_key:
            chain_region, token = None, self.session_token
            access_key, secret = self.access_key_id, self.secret_access_key
        else:
            import boto3

            session = boto3.session.Session()
            credentials = session.get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials is not None else None
            access_key = frozen.access_key if frozen else None
            secret = frozen.secret_key if frozen else None
            token = frozen.token if frozen else None
            chain_region = session.region_name
        endpoint = (
            self.endpoint_url
            or os.environ.get("AWS_ENDPOINT_URL_S3")
            or os.environ.get("AWS_ENDPOINT_URL")
        )
        return S3Options(
            access_key_id=access_key,
            secret_access_key=secret,
            session_token=token,
            region=self.region or chain_region or "us-east-1",
            endpoint_url=endpoint or None,
        )

    def polars_options(self) -> dict[str, str]:
        """The options polars (and obstore) read `s3://` with; `resolved()` first."""
        options = {"aws_region": self.region or "us-east-1"}
        if self.access_key_id and self.secret_access_key:
            options["aws_access_key_id"] = self.access_key_id
            options["aws_secret_access_key"] = self.secret_access_key
        if self.session_token:
            options["aws_session_token"] = self.session_token
        if self.endpoint_url:
            options["aws_endpoint_url"] = self.endpoint_url
            options["aws_allow_http"] = str(self.endpoint_url.startswith("http://")).lower()
        return options


class Store:
    """A folder of objects addressed by `/`-separated keys: a local folder or an S3 prefix."""

    def __init__(self, url: str, s3: S3Options | None = None) -> None:
        parsed = urlparse(url)
        self._root: Path | None = None
        self._options: dict[str, str] | None = None
        self._backend: LocalStore | S3Store | None = None
        if parsed.scheme == "s3":
            if not parsed.netloc:
                raise ConfigError(f"{url!r}: an S3 URL needs a bucket (s3://bucket/prefix)")
            self.bucket = parsed.netloc
            self.prefix = parsed.path.strip("/")
            self.url = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
            self._s3 = (s3 or S3Options()).resolved()
            self._options = self._s3.polars_options()
        elif parsed.scheme in {"file", ""}:
            self._root = Path(parsed.path if parsed.scheme else url).resolve()
            self.url = self._root.as_uri()
        else:
            raise ConfigError(f"{url!r}: only file:// folders and s3://bucket/prefix are supported")

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    @property
    def local_root(self) -> Path | None:
        """The folder of a local store; None for S3."""
        return self._root

    def location(self, key: str) -> str:
        """The full name of `key`: a path for a local store, `s3://…` else (what polars reads)."""
        if self._root is not None:
            return str(self._root / key)
        return f"{self.url}/{key}"

    def storage_options(self) -> dict[str, str | int] | None:
        """What polars needs to read or write `location(key)` directly (None: a local path),
        with the same retries as the store's own calls."""
        if self._options is None:
            return None
        backoff = _RETRY["backoff"]
        return {
            **self._options,
            "max_retries": _RETRY["max_retries"],
            "retry_timeout_ms": _milliseconds(_RETRY["retry_timeout"]),
            "retry_init_backoff_ms": _milliseconds(backoff["init_backoff"]),
            "retry_max_backoff_ms": _milliseconds(backoff["max_backoff"]),
        }

    def _store(self, *, create: bool = False) -> LocalStore | S3Store | None:
        """obstore's store; None for a local folder that does not exist yet (and not `create`)."""
        if self._backend is not None:
            return self._backend
        from obstore.store import LocalStore, S3Store

        if self._root is not None:
            if not create and not self._root.is_dir():
                return None
            self._backend = LocalStore(self._root, mkdir=True, automatic_cleanup=True)
        else:
            options = self._options or {}
            config = {key: value for key, value in options.items() if key != "aws_allow_http"}
            self._backend = S3Store(
                self.bucket,
                prefix=self.prefix or None,
                config=config,  # type: ignore[arg-type]
                client_options={"allow_http": options.get("aws_allow_http") == "true"},
                retry_config=_RETRY,  # type: ignore[arg-type]
            )
        return self._backend

    def exists(self, key: str) -> bool:
        import obstore

        store = self._store()
        if store is None:
            return False
        try:
            with self._failures(key, "look up"):
                obstore.head(store, key)
        except FileNotFoundError:
            return False
        return True

    def size(self, key: str) -> int:
        import obstore

        with self._failures(key, "look up"):
            return int(obstore.head(self._existing(key), key)["size"])

    def read_bytes(self, key: str) -> bytes:
        import obstore

        with self._failures(key, "read"):
            return bytes(obstore.get(self._existing(key), key).bytes())

    def read_head(self, key: str, length: int) -> bytes:
        """The first `length` bytes of the object (fewer if it is shorter)."""
        import obstore

        with self._failures(key, "read"):
            return bytes(obstore.get_range(self._existing(key), key, start=0, length=length))

    def read_tail(self, key: str, length: int) -> bytes:
        """The last `length` bytes of the object (fewer if it is shorter)."""
        import obstore

        with self._failures(key, "read"):
            found = obstore.get(self._existing(key), key, options={"range": {"suffix": length}})
            return bytes(found.bytes())

    def write_bytes(self, key: str, data: bytes, content_type: str) -> None:
        """Write `key` whole: a reader sees the old object or the new one, never a part."""
        import obstore

        with self._failures(key, "write"):
            if self._root is not None:
                _write_atomically(self._root / key, data)
                return
            store = self._store(create=True)
            assert store is not None
            obstore.put(store, key, data, attributes={"Content-Type": content_type})

    def remove_orphans(self, prefix: str) -> list[str]:
        """Delete the partial files of writers that died (local stores; S3 writes are whole),
        never those of a live writer; the keys deleted."""
        root = self._root
        if root is None or not (root / prefix).is_dir():
            return []
        folder = root / prefix
        removed: list[str] = []
        for path in folder.rglob(".*" + _PARTIAL):
            writer = _writer_pid(path.name)
            if writer is not None and not _alive(writer):
                path.unlink(missing_ok=True)
                removed.append(path.relative_to(root).as_posix())
        return removed

    def list(self, prefix: str) -> list[str]:
        """Keys below `prefix` (a folder, ending in `/`), sorted."""
        import obstore

        store = self._store()
        if store is None:
            return []
        with self._failures(prefix, "list"):
            found = obstore.list(store, prefix.rstrip("/") or None).collect()
        return sorted(str(item["path"]) for item in found)

    def delete(self, keys: Iterable[str]) -> None:
        import obstore

        wanted = list(keys)
        store = self._store()
        if store is None or not wanted:
            return
        with self._failures(wanted[0], "delete"):
            if self._root is not None:
                for key in wanted:  # a local delete of a missing file fails; missing is fine
                    (self._root / key).unlink(missing_ok=True)
                return
            obstore.delete(store, wanted)

    @contextmanager
    def _failures(self, key: str, action: str) -> Iterator[None]:
        """Turn the store's failures into one-line errors naming the object (never a secret);
        a missing object stays a `FileNotFoundError` for the caller to judge."""
        from obstore.exceptions import BaseError, NotFoundError

        try:
            yield
        except (FileNotFoundError, NotFoundError):
            raise
        except (BaseError, OSError) as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            if self._root is not None and self._root.exists() and not self._root.is_dir():
                raise ConfigError(f"{self.url} is a file, not a folder") from None
            raise OutsideError(f"could not {action} {self.location(key)}: {reason}") from None

    def _existing(self, key: str) -> LocalStore | S3Store:
        store = self._store()
        if store is None:
            raise FileNotFoundError(self.location(key))
        return store


_PARTIAL = ".partial"


def _milliseconds(duration: dt.timedelta) -> int:
    return int(duration.total_seconds() * 1000)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `path` through a partial file named after this process, then rename it: a reader
    never sees half a file, concurrent writers never share a partial file, and one left by a
    killed writer can be told from a live writer's (`Store.remove_orphans`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{_PARTIAL}")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _writer_pid(name: str) -> int | None:
    """The pid in a partial file's name (see `_write_atomically`)."""
    parts = name.removesuffix(_PARTIAL).rsplit(".", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_store(url: str, s3: S3Options | None = None) -> Store:
    """The store for a `file://` folder, a plain path, or an `s3://bucket/prefix` URL."""
    return Store(url, s3)
