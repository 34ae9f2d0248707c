"""scripts/backup.sh and restore.sh (docs/operations.md): a backup taken, the
database, the signing keys and the media wiped, the backup restored, and a
certificate issued before still verifies, on SQLite and on PostgreSQL."""

import json
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.once

#: Upgrade an empty database, then issue a certificate through the operations
#: and save its PDF (argv[1]); a file in the media folder to see come back.
ISSUE = r"""
import json, sys
from pathlib import Path
from flask_migrate import upgrade
from lms import create_app
from lms.db import db, utcnow

app = create_app()
with app.app_context():
    upgrade()
    from certificates.documents import certificate_pdf
    from certificates.keys import current_issuer
    from certificates.operations import issue_certificate
    from courses.queries import get_enrolment
    from tests.builders import build_scene, complete_course

    scene = build_scene(durations=(3 * 3600,), learners=1, enrol=True)
    learner = scene.learners[0]
    complete_course(scene.course, learner)
    enrolment = get_enrolment(scene.course.id, learner.id)
    certificate = issue_certificate(
        enrolment, current_issuer(), utcnow(), issued_by_id=scene.admin.id
    )
    db.session.commit()
    Path(sys.argv[1]).write_bytes(certificate_pdf(certificate))
    kept = Path(app.config["MEDIA_DIR"]) / "lectures" / "1" / "kept.txt"
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text("a published file")
    print(json.dumps({"serial": certificate.serial}))
"""

#: The certificate as the restored installation sees it: its row, the public
#: verification, and the saved PDF checked with the restored keys.
CHECK = r"""
import json, sys
from pathlib import Path
from lms import create_app

app = create_app()
with app.app_context():
    from certificates.keys import current_issuer
    from certificates.pdf import verify_certificate_file
    from certificates.queries import get_certificate

    issuer = current_issuer()
    verdict = verify_certificate_file(
        Path(sys.argv[2]).read_bytes(),
        issuer.public_pem,
        issuer.document_certificate_pem,
    )
    answer = app.test_client().get(f"/api/v1/verify/{sys.argv[1]}")
    print(json.dumps({
        "found": get_certificate(sys.argv[1]) is not None,
        "file_valid": verdict.is_valid,
        "problems": list(verdict.problems),
        "status": answer.status_code,
        "public": answer.get_json(),
    }))
"""

#: Whether the database has a table a newer release added (argv[1] "create":
#: add it first).
NEWER_TABLE = r"""
import sys
import sqlalchemy as sa
from lms import create_app
from lms.db import db

app = create_app()
with app.app_context():
    if sys.argv[1] == "create":
        db.session.execute(sa.text("CREATE TABLE from_a_newer_release (id integer)"))
        db.session.commit()
    print(sa.inspect(db.engine).has_table("from_a_newer_release"))
"""


def run(args, env, **kwargs):
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, **kwargs
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


@pytest.fixture(params=["sqlite", "postgresql"])
def installation(request, tmp_path):
    """An instance folder and a database of its own; ``wipe()`` loses the
    database (dropped, or its file deleted)."""
    instance = tmp_path / "instance"
    instance.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "LMS_INSTANCE_PATH": str(instance),
        "LMS_SECRET_KEY": secrets.token_hex(32),
        "LMS_PUBLIC_BASE_URL": "https://cme.example.org",
        "LMS_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres")
        name = f"backup_{secrets.token_hex(4)}"
        env["LMS_DATABASE_URL"] = server.create_database(name)

        def wipe():
            with psycopg.connect(
                f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres",
                autocommit=True,
            ) as conn:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
    else:

        def wipe():
            for path in instance.glob("lms.sqlite3*"):
                path.unlink()

    return request.param, env, instance, wipe


def test_a_restored_backup_still_verifies_its_certificates(installation, tmp_path):
    kind, env, instance, wipe = installation
    pdf = tmp_path / "certificate.pdf"
    serial = json.loads(
        run([sys.executable, "-c", ISSUE, str(pdf)], env).splitlines()[-1]
    )["serial"]
    keys = sorted(p.name for p in instance.glob("certificate-*.pem"))
    assert keys == ["certificate-document-signer.pem", "certificate-signing-key.pem"]
    signing_key = (instance / "certificate-signing-key.pem").read_bytes()

    backup = tmp_path / "backup"
    run(["scripts/backup.sh", str(backup)], env)
    manifest = (backup / "MANIFEST").read_text()
    assert f"database={kind}" in manifest
    assert "revision=none" not in manifest

    # Lose everything: the database, both keys, the media folder.
    wipe()
    for name in keys:
        (instance / name).unlink()
    shutil.rmtree(instance / "media")

    run(["scripts/restore.sh", str(backup)], env)

    assert (instance / "certificate-signing-key.pem").read_bytes() == signing_key
    assert (instance / "media/lectures/1/kept.txt").read_text() == "a published file"
    seen = json.loads(
        run([sys.executable, "-c", CHECK, serial, str(pdf)], env).splitlines()[-1]
    )
    assert seen["found"]
    assert seen["file_valid"], seen["problems"]
    assert seen["status"] == 200, seen["public"]
    assert seen["public"]["status"] == "valid", seen["public"]

    # Restored again, over a newer release's database and media: its extra
    # table goes too (pg_restore --clean alone kept it, and `flask db upgrade`
    # then failed on it), and the media folder (a mount point) stays where it
    # is: its contents are put aside. (What the first restore put aside is
    # moved away first, as the operator would: a restore never overwrites it.)
    for left in instance.glob("*.before-restore"):
        left.unlink()
    assert run([sys.executable, "-c", NEWER_TABLE, "create"], env).split()[-1] == "True"
    media = instance / "media"
    (media / "after-the-backup.txt").write_text("newer")
    mount_point = media.stat().st_ino
    run(["scripts/restore.sh", str(backup)], env)
    assert run([sys.executable, "-c", NEWER_TABLE, "look"], env).split()[-1] == "False"
    assert media.stat().st_ino == mount_point
    assert not (media / "after-the-backup.txt").exists()
    assert (media / "lectures/1/kept.txt").read_text() == "a published file"
    aside = instance / "media.before-restore"
    assert (aside / "after-the-backup.txt").read_text() == "newer"

    # Once more would overwrite what that restore put aside: it refuses
    # before it changes anything.
    refused = subprocess.run(
        ["scripts/restore.sh", str(backup)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert refused.returncode == 1
    assert ".before-restore exists" in refused.stderr
    assert (aside / "after-the-backup.txt").read_text() == "newer"


def test_backup_finds_the_deployed_venv_and_writes_where_it_was_called(tmp_path):
    """docs/operations.md: the release in /srv/telecme/app, its venv beside it
    in /srv/telecme/venv, and `cd /var/backups && backup.sh nightly`; a
    relative DEST is the caller's folder, not the release's."""
    release = tmp_path / "app"
    release.mkdir()
    subprocess.run(
        f"git -C {ROOT} archive HEAD | tar -x -C {release}", shell=True, check=True
    )
    instance = tmp_path / "instance"
    instance.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "LMS_INSTANCE_PATH": str(instance),
        "LMS_SECRET_KEY": secrets.token_hex(32),
        "LMS_DATABASE_URL": f"sqlite:///{instance}/lms.sqlite3",
    }
    backups = tmp_path / "backups"
    backups.mkdir()
    backup = [str(release / "scripts/backup.sh"), "--no-media", "nightly"]

    # No venv anywhere it looks: a clear error, nothing written.
    lost = subprocess.run(backup, cwd=backups, env=env, capture_output=True, text=True)
    assert lost.returncode == 1
    assert "set VENV=" in lost.stderr
    assert not (backups / "nightly").exists()

    (tmp_path / "venv").symlink_to(ROOT / ".venv")
    done = subprocess.run(backup, cwd=backups, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (backups / "nightly" / "MANIFEST").exists()
    assert not (release / "nightly").exists()
