"""The real worker process consumes the queue, on SQLite storage and on Redis."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lms.db import db
from lms.search import get_search
from lms.search.tasks import reindex_course
from tests.builders import build_scene
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
#: Its database is SQLite of its own, whatever --db says: run once.
pytestmark = pytest.mark.once


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request):
    if request.param == "redis":
        return request.getfixturevalue("redis_server").url
    return ""


def test_the_worker_indexes_a_course_published_by_the_web_process(tmp_path, queue_url):
    database = f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    index_dir = tmp_path / "search-index"
    app = make_app(
        tmp_path,
        database,
        QUEUE_IMMEDIATE=False,
        QUEUE_URL=queue_url,
        SEARCH_INDEX_DIR=str(index_dir),
    )
    with app.app_context():
        course_id = build_scene(title_zh="慢性阻塞性肺疾病的吸入治疗").course.id
        db.session.commit()
        reindex_course(course_id)  # queued: this process does not write the index
        assert get_search().search("慢阻肺").total == 0

    env = dict(
        os.environ,
        LMS_SECRET_KEY="w" * 40,
        LMS_DATABASE_URL=database,
        LMS_INSTANCE_PATH=str(tmp_path),
        LMS_QUEUE_URL=queue_url,
        LMS_SEARCH_INDEX_DIR=str(index_dir),
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "lms", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        with app.app_context():
            while time.monotonic() < deadline and worker.poll() is None:
                hits = get_search().search("慢阻肺").hits
                if hits:
                    break
                time.sleep(0.2)
            assert [hit.course_id for hit in hits] == [course_id]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert "Traceback" not in output, output
    with app.app_context():
        db.engine.dispose()
