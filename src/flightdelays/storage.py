"""Object storage for raw files and the lake: a local folder (`file://`) or S3 (`s3://`).

Both implement `ObjectStore`; keys are `/`-separated paths below the store's root.
S3 settings come from the standard AWS variables (`AWS_ENDPOINT_URL`, keys, region), so any
S3-compatible endpoint works; credentials are never part of a store's printed URL.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlparse

from flightdelays.errors import ConfigError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class ObjectStore(Protocol):
    """A folder of objects addressed by relative keys."""

    url: str

    def location(self, key: str) -> str:
        """The full URL of `key`, for messages and for readers such as polars."""
        ...

    def storage_options(self) -> dict[str, str] | None:
        """What polars needs to read or write `location(key)` directly."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def read_bytes(self, key: str) -> bytes: ...

    def read_head(self, key: str, length: int) -> bytes:
        """The first `length` bytes of the object (fewer if it is shorter)."""
        ...

    def read_tail(self, key: str, length: int) -> bytes:
        """The last `length` bytes of the object (fewer if it is shorter)."""
        ...

    def write_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    def list(self, prefix: str) -> list[str]:
        """Keys below `prefix`, sorted."""
        ...

    def delete(self, keys: Iterable[str]) -> None: ...


class LocalStore:
    """A folder on this machine."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.url = self.root.as_uri()

    def _path(self, key: str) -> Path:
        return self.root / key

    def location(self, key: str) -> str:
        return str(self._path(key))

    def storage_options(self) -> dict[str, str] | None:
        return None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def read_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def read_head(self, key: str, length: int) -> bytes:
        with self._path(key).open("rb") as handle:
            return handle.read(length)

    def read_tail(self, key: str, length: int) -> bytes:
        with self._path(key).open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - length))
            return handle.read()

    def write_bytes(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.replace(path)

    def list(self, prefix: str) -> list[str]:
        base = self._path(prefix)
        if not base.is_dir():
            return []
        return sorted(
            path.relative_to(self.root).as_posix() for path in base.rglob("*") if path.is_file()
        )

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._path(key).unlink(missing_ok=True)


class S3Store:
    """A prefix in an S3 bucket, on AWS or any S3-compatible endpoint."""

    def __init__(self, bucket: str, prefix: str, client: S3Client | None = None) -> None:
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self._session = boto3.session.Session()
        self._client = client or self._session.client("s3")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def storage_options(self) -> dict[str, str] | None:
        credentials = self._session.get_credentials()
        options = {"aws_region": self._client.meta.region_name or "us-east-1"}
        if credentials is not None:
            frozen = credentials.get_frozen_credentials()
            options["aws_access_key_id"] = str(frozen.access_key)
            options["aws_secret_access_key"] = str(frozen.secret_key)
            if frozen.token:
                options["aws_session_token"] = frozen.token
        endpoint = self._client.meta.endpoint_url
        if endpoint and "amazonaws.com" not in endpoint:
            options["aws_endpoint_url"] = endpoint
            options["aws_allow_http"] = str(endpoint.startswith("http://")).lower()
        return options

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def size(self, key: str) -> int:
        return self._client.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"]

    def read_bytes(self, key: str) -> bytes:
        return self._client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def read_head(self, key: str, length: int) -> bytes:
        response = self._client.get_object(
            Bucket=self.bucket, Key=self._key(key), Range=f"bytes=0-{length - 1}"
        )
        return response["Body"].read()

    def read_tail(self, key: str, length: int) -> bytes:
        response = self._client.get_object(
            Bucket=self.bucket, Key=self._key(key), Range=f"bytes=-{length}"
        )
        return response["Body"].read()

    def write_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
        )

    def list(self, prefix: str) -> list[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        full_prefix = self._key(prefix)
        keys: list[str] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=full_prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        strip = len(self.prefix) + 1 if self.prefix else 0
        return sorted(key[strip:] for key in keys)

    def delete(self, keys: Iterable[str]) -> None:
        batch: list[Any] = [{"Key": self._key(key)} for key in keys]
        for start in range(0, len(batch), 1000):
            self._client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": batch[start : start + 1000]}
            )


def open_store(url: str) -> ObjectStore:
    """The store for a `file://` folder, a plain path, or an `s3://bucket/prefix` URL."""
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise ConfigError(f"{url!r}: an S3 URL needs a bucket (s3://bucket/prefix)")
        return S3Store(parsed.netloc, parsed.path)
    if parsed.scheme == "file":
        return LocalStore(Path(parsed.path))
    if parsed.scheme == "":
        return LocalStore(Path(url))
    raise ConfigError(f"{url!r}: only file:// folders and s3://bucket/prefix are supported")
