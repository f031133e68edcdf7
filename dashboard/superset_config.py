"""Superset settings for the flightdelays dashboard, read through SUPERSET_CONFIG_PATH.

dashboard/provision.py points SUPERSET_HOME at the folder that holds Superset's own state
(`.data/superset/` unless FLIGHTDELAYS_SUPERSET_HOME says otherwise): the metadata database
(SQLite, or SUPERSET_METADATA_URL) and the SECRET_KEY, generated there on the first run and
never committed. Nothing here is a secret.
"""

import os
from pathlib import Path

_HOME = Path(
    os.environ.get("SUPERSET_HOME") or Path(__file__).resolve().parents[1] / ".data" / "superset"
)
_SECRET_FILE = _HOME / "secret_key"

DATA_DIR = str(_HOME)
SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY") or (
    _SECRET_FILE.read_text(encoding="utf-8").strip() if _SECRET_FILE.exists() else ""
)
if not SECRET_KEY:
    raise RuntimeError(
        f"no SECRET_KEY: run dashboard/provision.py (make dashboard) to create {_SECRET_FILE}"
    )

SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_METADATA_URL") or (
    f"sqlite:///{_HOME / 'superset.db'}?check_same_thread=false"
)

# The dashboard's filters are native filters; nothing here needs Celery, Redis or a browser.
FEATURE_FLAGS = {"DASHBOARD_NATIVE_FILTERS": True, "ALERT_REPORTS": False}
RATELIMIT_STORAGE_URI = "memory://"
# Served on 127.0.0.1 over plain HTTP by default; the Docker setup puts it behind its own port.
TALISMAN_ENABLED = os.environ.get("TALISMAN_ENABLED", "false").lower() == "true"
SUPERSET_WEBSERVER_TIMEOUT = 120
ROW_LIMIT = 50_000
