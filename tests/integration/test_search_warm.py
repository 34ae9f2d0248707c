"""A serving process loads the search analyser when it starts (issue 17: the
first search of each gunicorn process took seconds, loading jieba and the
medical dictionary, on a learner's request)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import base_config

ROOT = Path(__file__).resolve().parents[2]

#: A fresh process (jieba is loaded once per process): build the app, then answer
#: a search; report what was loaded when.
FRESH_PROCESS = """
import json, sys
from lms import create_app
from lms.search import analysis

app = create_app(json.loads(sys.argv[1]))
at_start = analysis.segmenter.cache_info()
backend = "telecme_search" in app.extensions
response = app.test_client().get("/courses/?q=%E7%B3%96%E5%B0%BF%E7%97%85")
after = analysis.segmenter.cache_info()
print(json.dumps({
    "loaded_at_start": at_start.currsize,
    "backend_at_start": backend,
    "status": response.status_code,
    "loads_by_search": after.misses - at_start.misses,
}))
"""


def fresh_process(config):
    done = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, json.dumps(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("warm", "loaded_at_start", "loads_by_search"),
    [(True, 1, 0), (False, 0, 1)],
)
def test_a_warmed_process_answers_its_first_search_without_loading_jieba(
    app, database_url, tmp_path, warm, loaded_at_start, loads_by_search
):
    # ``app`` upgraded the schema of ``database_url``: the process searches it.
    config = {**base_config(tmp_path, database_url), "SEARCH_WARM_AT_START": warm}
    found = fresh_process(config)
    assert found == {
        "loaded_at_start": loaded_at_start,
        "backend_at_start": warm,
        "status": 200,
        "loads_by_search": loads_by_search,
    }


def test_warming_is_off_by_default(app):
    # Tests, the CLI and the worker build apps too: only serving processes warm.
    assert app.config["SEARCH_WARM_AT_START"] is False
