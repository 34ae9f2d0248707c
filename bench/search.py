"""Search: index build rate and query time over a generated catalog, for each
backend of ``lms.search`` in one process: whoosh (issue 3's engine, the
baseline), SQLite FTS5 and PostgreSQL (both fed by our analyser's tokens).

Every query is asked as the catalog asks it: page 1 of 20, with facets and the
page's highlights. The recall table gives each query's hits per backend; a
backend that finds fewer than whoosh for any query fails the run (exit 1).

    flock /tmp/telecme-bench.lock .venv/bin/python bench/search.py \
        [--docs 100000] [--runs 5] [--seed 2026] [--backends whoosh,sqlite,postgresql]
        [--database-url postgresql+psycopg://...] [--whoosh-index DIR]

PostgreSQL: ``--database-url`` (an empty database, its schema is upgraded), else a
throwaway server on loopback as the tests start one (tests/services.py).
``--whoosh-index DIR`` keeps the whoosh index between runs (its build at 100,000
courses takes minutes); it is rebuilt when the catalog (docs, seed) differs.
"""

import argparse
import contextlib
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lms.search import CourseDocument  # noqa: E402
from lms.search.analysis import segment  # noqa: E402
from lms.search.sqlite_backend import SqliteSearch  # noqa: E402
from lms.search.whoosh_backend import WhooshSearch  # noqa: E402

DISEASES = [
    ("高血压", "hypertension"),
    ("2型糖尿病", "type 2 diabetes"),
    ("脑卒中", "stroke"),
    ("心力衰竭", "heart failure"),
    ("慢性阻塞性肺疾病", "COPD"),
    ("社区获得性肺炎", "pneumonia"),
    ("心房颤动", "atrial fibrillation"),
    ("急性心肌梗死", "myocardial infarction"),
    ("慢性肾脏病", "chronic kidney disease"),
    ("肝硬化", "cirrhosis"),
    ("支气管哮喘", "asthma"),
    ("骨质疏松症", "osteoporosis"),
    ("脓毒症", "sepsis"),
    ("乳腺癌", "breast cancer"),
    ("肺结核", "tuberculosis"),
    ("抑郁症", "depression"),
    ("甲状腺功能亢进症", "hyperthyroidism"),
    ("压力性损伤", "pressure injury"),
    ("产后出血", "postpartum haemorrhage"),
    ("新生儿黄疸", "neonatal jaundice"),
]
ASPECTS = [
    ("的早期识别", "early recognition of"),
    ("的基层规范化管理", "primary care of"),
    ("的药物治疗", "drug therapy for"),
    ("的护理要点", "nursing care in"),
    ("的康复训练", "rehabilitation after"),
    ("的转诊指征", "referral in"),
    ("的最新指南解读", "guideline update on"),
    ("的病例讨论", "case discussion:"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国晓燕志强淑华明丽伟芳军敏静磊洋艳勇杰娟涛超"
SPECIALTIES = [
    "cardiology",
    "endocrinology",
    "neurology",
    "respiratory",
    "nursing",
    "emergency",
    "general_practice",
    "oncology",
    "infectious",
    "paediatrics",
]
QUERIES = [
    "卒中",
    "脑卒中",
    "心衰",
    "心力衰竭",
    "糖尿病",
    "慢阻肺",
    "高血压 管理",
    "护理要点",
    "指南",
    "肺炎 转诊",
    "diabetes",
    "diabetic",
    "stroke",
    "asthma",
    "heart failure",
    "王建国",
    "李晓燕",
    "2026-03",
    "骨质疏松 康复",
    "乳腺癌",
    "copd",
    "房颤",
    "脓毒症 药物",
    "新生儿",
    "甲亢",
    "早期识别",
    "病例讨论",
    "pneumonia referral",
]


def generate(count, seed):
    rng = random.Random(seed)
    for i in range(count):
        (zh, en), (azh, aen) = rng.choice(DISEASES), rng.choice(ASPECTS)
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
        yield CourseDocument(
            id=i + 1,
            title_zh=f"{zh}{azh}（第{rng.randint(1, 12)}讲）",
            title_en=f"{aen} {en} ({rng.randint(1, 12)})",
            description_zh=f"本讲由{name}主讲，面向基层医务人员，结合病例介绍{zh}的诊疗与随访。",
            description_en=f"A lecture by {name} on {en} for primary-care staff.",
            lecture_titles=(f"{zh}{azh}",),
            lecturer_names=(name,),
            project_number=f"2026-{rng.randint(1, 12):02d}-{i:06d}",
            specialty=rng.choice(SPECIALTIES),
            format="recorded",
            credit_category=rng.choice(["I", "II", "CME"]),
            professions=tuple(rng.sample(["doctor", "nurse", "pharmacist"], 2)),
        )


def time_queries(run_one, runs):
    """Seconds per query over ``runs`` passes (after one warm-up pass), and hits."""
    hits = {query: run_one(query) for query in QUERIES}
    timings = []
    for _ in range(runs):
        for query in QUERIES:
            started = time.perf_counter()
            run_one(query)
            timings.append(time.perf_counter() - started)
    timings.sort()
    return timings, hits


def pct(values, q):
    return 1000 * values[min(len(values) - 1, int(len(values) * q))]


def ask(backend):
    """A query as the catalog page asks it: page 1, facets, the page's highlights."""

    def one(query):
        page = backend.search(query, filters={}, page=1, per_page=20)
        assert all(isinstance(h.snippet_html, str) for h in page.hits)
        return page.total

    return one


def whoosh_backend(directory, docs, args):
    marker = directory / "bench-catalog.json"
    catalog = {"docs": args.docs, "seed": args.seed}
    backend = WhooshSearch(directory, writer_timeout=60)
    if marker.exists() and json.loads(marker.read_text()) == catalog:
        return backend, 0.0  # kept
    shutil.rmtree(directory, ignore_errors=True)
    started = time.perf_counter()
    backend.rebuild(docs)
    built = time.perf_counter() - started
    marker.write_text(json.dumps(catalog))
    return backend, built


@contextlib.contextmanager
def postgresql_app(database_url):
    """An app on PostgreSQL (``database_url`` or a throwaway server), at head."""
    import secrets

    from flask_migrate import upgrade

    from lms import create_app
    from lms.db import db

    server = None
    if not database_url:
        from tests import services

        server = services.start_postgres()
        database_url = server.create_database("telecme_search_bench")
    instance = Path(tempfile.mkdtemp(prefix="telecme-search-bench-pg-"))
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(instance),
            "SEARCH_BACKEND": "postgresql",
            "QUEUE_IMMEDIATE": True,
        }
    )
    try:
        with app.app_context():
            upgrade()
            yield app, db
            db.session.remove()
            db.engine.dispose()
    finally:
        shutil.rmtree(instance, ignore_errors=True)
        if server is not None:
            server.stop()


def measure(name, backend, docs, runs, build=None):
    if build is None:
        started = time.perf_counter()
        backend.rebuild(docs)
        build = time.perf_counter() - started
    timings, hits = time_queries(ask(backend), runs)
    return {"name": name, "build": build, "timings": timings, "hits": hits}


def report(results, args):
    base = results[0]
    print(
        f"search benchmark: {args.docs} generated lectures (seed {args.seed}), "
        f"{len(QUERIES)} queries x {args.runs} runs, page 1 of 20 with facets "
        "and highlights"
    )
    for result in results:
        build = result["build"]
        rate = (
            f"{args.docs / build:8.0f} docs/s ({build:6.1f} s)" if build else "(kept)"
        )
        times = result["timings"]
        ratio = statistics.median(base["timings"]) / statistics.median(times)
        print(
            f"  {result['name']:<10} build {rate:<28}"
            f" query p50 {pct(times, 0.5):7.1f} ms  p95 {pct(times, 0.95):7.1f} ms"
            f"  max {1000 * times[-1]:7.1f} ms"
            f"  whoosh/this p50 {ratio:6.1f}x"
        )
    names = [r["name"] for r in results]
    print("  hits per query: " + " / ".join(names))
    missing = []
    for query in QUERIES:
        counts = [r["hits"][query] for r in results]
        short = [
            r["name"] for r in results[1:] if r["hits"][query] < base["hits"][query]
        ]
        missing += [(query, name) for name in short]
        flag = "  FEWER: " + ", ".join(short) if short else ""
        print(f"    {query:<22} " + " / ".join(f"{c:6d}" for c in counts) + flag)
    return missing


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="passes over the query set")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--backends", default="whoosh,sqlite,postgresql")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--whoosh-index", default="")
    args = parser.parse_args()
    names = [n.strip() for n in args.backends.split(",") if n.strip()]
    if names[0] != "whoosh":
        parser.error("--backends starts with whoosh, the baseline")

    workdir = Path(tempfile.mkdtemp(prefix="telecme-search-bench-"))
    docs = list(generate(args.docs, args.seed))
    segment("预热")  # load jieba and the dictionary before timing
    results = []
    try:
        whoosh_dir = Path(args.whoosh_index) if args.whoosh_index else workdir / "w"
        backend, built = whoosh_backend(whoosh_dir, docs, args)
        results.append(measure("whoosh", backend, docs, args.runs, built))
        if "sqlite" in names:
            backend = SqliteSearch(workdir / "sqlite", writer_timeout=60)
            results.append(measure("sqlite", backend, docs, args.runs))
        if "postgresql" in names:
            from lms.search.postgresql_backend import PostgresSearch

            with postgresql_app(args.database_url) as (_, db):
                backend = PostgresSearch()
                started = time.perf_counter()
                backend.rebuild(docs)
                db.session.commit()
                db.session.execute(db.text("ANALYZE search_documents"))
                db.session.commit()
                build = time.perf_counter() - started
                results.append(measure("postgresql", backend, docs, args.runs, build))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    missing = report(results, args)
    if missing:
        print(f"  recall: {len(missing)} query/backend pairs find fewer than whoosh")
        sys.exit(1)
    print("  recall: every backend finds at least what whoosh finds, for every query")


if __name__ == "__main__":
    main()
