"""Search: index build rate and query time over a generated catalog, whoosh (our
backend: jieba, medical dictionary, bigrams) against SQLite FTS5 on the same data.

FTS5 gets the same jieba segmentation (search mode, space-joined), so the two
engines are compared on equal text; FTS5 has no bigram field or synonyms, so it
misses what our backend finds through them (the hit counts show it).

    .venv/bin/python bench/search.py [--docs 100000] [--runs 5] [--seed 2026]
"""

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lms.search import CourseDocument  # noqa: E402
from lms.search.analysis import query_words, segment, synonyms  # noqa: E402
from lms.search.query import clean_query, plan_query  # noqa: E402
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


def fts_text(*parts):
    return " ".join(word for part in parts for word, _, _ in segment(part))


def build_fts(path, docs):
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(title, lecturers, lectures, body,"
        " project_number UNINDEXED)"
    )
    conn.executemany(
        "INSERT INTO docs(rowid, title, lecturers, lectures, body, project_number)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            (
                d.id,
                fts_text(d.title_zh, d.title_en),
                fts_text(*d.lecturer_names),
                fts_text(*d.lecture_titles),
                fts_text(d.description_zh, d.description_en),
                d.project_number,
            )
            for d in docs
        ),
    )
    conn.commit()
    return conn


def fts_query(text):
    """The same plan as our backend (every word, synonyms as alternatives) in FTS5."""
    plan = plan_query(query_words(clean_query(text)), synonyms())
    groups = ["(" + " OR ".join(f'"{w}"' for w in g.alternatives) + ")" for g in plan]
    return " AND ".join(groups)


def time_queries(run_one, runs):
    timings, hits = [], {}
    for _ in range(runs):
        for query in QUERIES:
            started = time.perf_counter()
            hits[query] = run_one(query)
            timings.append(time.perf_counter() - started)
    timings.sort()
    return timings, hits


def pct(values, q):
    return 1000 * values[min(len(values) - 1, int(len(values) * q))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="passes over the query set")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="telecme-search-bench-"))
    docs = list(generate(args.docs, args.seed))
    segment("预热")  # load jieba and the dictionary before timing

    backend = WhooshSearch(workdir / "whoosh", writer_timeout=60)
    started = time.perf_counter()
    backend.rebuild(docs)
    whoosh_build = time.perf_counter() - started

    started = time.perf_counter()
    conn = build_fts(str(workdir / "fts.sqlite3"), docs)
    fts_build = time.perf_counter() - started

    whoosh_times, whoosh_hits = time_queries(
        lambda q: backend.search(q, per_page=20).total, args.runs
    )

    def fts_one(q):
        match = fts_query(q)
        if not match:
            return 0
        rows = conn.execute(
            "SELECT rowid FROM docs WHERE docs MATCH ?"
            " ORDER BY bm25(docs, 4, 2.5, 1.5, 1)"
            " LIMIT 20",
            (match,),
        ).fetchall()
        total = conn.execute(
            "SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)
        ).fetchone()[0]
        return total if rows or total else 0

    fts_times, fts_hits = time_queries(fts_one, args.runs)

    print(
        f"search benchmark: {args.docs} generated lectures (seed {args.seed}), "
        f"{len(QUERIES)} queries x {args.runs} runs"
    )
    w_rate, f_rate = args.docs / whoosh_build, args.docs / fts_build
    print(
        f"  build   whoosh {w_rate:8.0f} docs/s ({whoosh_build:.1f} s)   "
        f"FTS5 {f_rate:8.0f} docs/s ({fts_build:.1f} s)   "
        f"ratio {fts_build / whoosh_build:.2f}"
    )
    w50, w95 = pct(whoosh_times, 0.5), pct(whoosh_times, 0.95)
    f50, f95 = pct(fts_times, 0.5), pct(fts_times, 0.95)
    ratio = statistics.median(whoosh_times) / statistics.median(fts_times)
    print(
        f"  query   whoosh p50 {w50:7.1f} ms  p95 {w95:7.1f} ms   "
        f"FTS5 p50 {f50:6.1f} ms  p95 {f95:6.1f} ms   whoosh/FTS5 p50 {ratio:.1f}x"
    )
    print(
        "  hits (whoosh / FTS5):",
        ", ".join(f"{q} {whoosh_hits[q]}/{fts_hits[q]}" for q in QUERIES),
    )
    conn.close()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
