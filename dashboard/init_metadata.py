"""Prepare Superset's metadata database in one process (run by provision.py, Superset's Python).

Does what `superset db upgrade`, `superset init` and `superset fab create-admin` do, in that
order, but loads Superset's app once instead of three times (about 11 s each here). The admin's
name and password come from SUPERSET_ADMIN_USER and SUPERSET_ADMIN_PASSWORD (never argv, which
`ps` shows); an existing admin gets that password.
"""

import os
import sys
import time


def main() -> int:
    from flask_migrate import upgrade  # Superset's environment only
    from superset.app import create_app

    user = os.environ.get("SUPERSET_ADMIN_USER", "admin")
    password = os.environ["SUPERSET_ADMIN_PASSWORD"]
    started = time.monotonic()
    app = create_app()
    with app.app_context():
        from superset import appbuilder, security_manager

        upgrade()  # Superset's own migrations folder, as `superset db upgrade`
        print(f"db upgrade done ({time.monotonic() - started:.0f} s)", flush=True)
        appbuilder.add_permissions(update_perms=True)  # `superset init`
        security_manager.sync_role_definitions()
        print(f"roles and permissions synced ({time.monotonic() - started:.0f} s)", flush=True)
        admin = security_manager.find_user(username=user)
        if admin is None:
            role = security_manager.find_role("Admin")
            created = security_manager.add_user(
                user, "Flight", "Delays", "admin@localhost", role, password=password
            )
            if not created:
                print(f"could not create the admin user {user}", file=sys.stderr)
                return 1
        else:
            security_manager.reset_password(admin.id, password)
        print(f"admin user {user} ready ({time.monotonic() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
