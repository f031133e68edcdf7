"""Before a run rewrites anything: can it write the lake, and reach and write the database?

A run that would fail at its load step fails here instead, before the lake was rewritten. It
also removes the partial files that killed runs left in the lake (see `Store.remove_orphans`).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from flightdelays import catalog
from flightdelays.warehouse.postgres import check_writable

if TYPE_CHECKING:
    from flightdelays.catalog import Stores
    from flightdelays.settings import Settings


def preflight(settings: Settings, stores: Stores, year: int) -> None:
    """Remove dead writers' partial files, write and delete a probe object in the lake, then
    check the database's rights."""
    stores.lake.remove_orphans("")
    probe = catalog.probe(year, uuid.uuid4().hex)
    stores.write_bytes(probe, b"")
    stores.lake.delete([probe.key])
    check_writable(settings.resolved_database_url())
