"""Secrets the processes of a local Airflow must share, made once and kept in files.

Each secret is a file of its own, readable by its owner only (mode 0600, in a 0700 folder),
made on first use and read back afterwards; they travel to the processes through their
environment and are never printed or logged.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from flightdelays.errors import ConfigError


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


# Airflow's name for each secret, and how to make one. The JWT secret is 86 characters: HS512
# wants 64 bytes or more.
SECRETS: dict[str, tuple[str, Callable[[], str]]] = {
    "jwt_secret": ("AIRFLOW__API_AUTH__JWT_SECRET", lambda: secrets.token_urlsafe(64)),
    "api_secret_key": ("AIRFLOW__API__SECRET_KEY", lambda: secrets.token_urlsafe(32)),
    "fernet_key": ("AIRFLOW__CORE__FERNET_KEY", _fernet_key),
}


def kept_secret(folder: Path, name: str, make: Callable[[], str]) -> str:
    """The secret kept in `folder/name`, made and written (mode 0600) the first time."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / name
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text().strip()
        if not value:
            raise ConfigError(f"{path} is empty: remove it and a new secret is made") from None
        return value
    value = make()
    with os.fdopen(descriptor, "w") as file:
        file.write(value + "\n")
    return value


def airflow_secrets(folder: Path) -> dict[str, str]:
    """The shared secrets as Airflow's environment variables."""
    return {variable: kept_secret(folder, name, make) for name, (variable, make) in SECRETS.items()}
