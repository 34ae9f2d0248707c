"""Print the app's resolved settings that scripts/backup.sh and restore.sh need,
as shell assignments (``eval "$(python scripts/settings.py)"``): the paths the
app itself would use, from instance/lms.cfg and the LMS_* variables."""

import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    import sqlalchemy as sa

    from certificates.keys import document_signer_file, key_file
    from lms import create_app
    from lms.db import db

    app = create_app()
    with app.app_context():
        url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        try:
            revision = db.session.scalar(
                sa.text("SELECT version_num FROM alembic_version")
            )
        except sa.exc.DBAPIError:
            revision = None
        db.session.remove()
        values = {
            "instance_path": app.instance_path,
            "media_dir": str(Path(app.config["MEDIA_DIR"]).resolve()),
            "signing_key": str(key_file().resolve()),
            "document_signer": str(document_signer_file().resolve()),
            "revision": revision or "none",
            "pg_password": "",
            "sqlite_path": "",
        }
    if url.get_backend_name() == "postgresql":
        # libpq's URL, the password apart (PGPASSWORD), so no `ps` shows it.
        values["pg_password"] = url.password or ""
        plain = url.set(drivername="postgresql", password=None)
        values["database_url"] = plain.render_as_string(hide_password=False)
    else:
        values["sqlite_path"] = str(Path(url.database).resolve())
        values["database_url"] = "sqlite"
    for name, value in values.items():
        print(f"{name}={shlex.quote(value)}")


if __name__ == "__main__":
    main()
