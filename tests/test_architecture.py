"""The shape the design asks for, held by a test.

A pure module says so in its docstring ("No I/O, no Flask, no SQLAlchemy") and
then imports nothing that does I/O or touches Flask or the database, directly or
through another module of ours.
"""

import ast
import itertools
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("lms", "courses", "media_pipeline", "certificates")
CONTRACT = "No I/O, no Flask, no SQLAlchemy"
FORBIDDEN = (
    "flask",
    "flask_babel",
    "flask_login",
    "flask_wtf",
    "flask_sqlalchemy",
    "flask_migrate",
    "flask_limiter",
    "sqlalchemy",
    "werkzeug",
    "subprocess",
    "os",
    "pathlib",
    "io",
    "shutil",
    "socket",
    "tempfile",
    "urllib.request",
    "requests",
    "ffmpeg",
    "huey",
    "redis",
    "psycopg",
    "sqlite3",
    "whoosh",
)
#: Modules named after a rule must be pure (STYLE.md: pure rule modules).
RULE_MODULE_NAMES = {
    "progress",
    "ladder",
    "rules",
    "layout",
    "signing",
    "logins",
    "roles",
    "network",
    "importing",
}


def module_name(path):
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(
        ".__init__"
    )


def all_modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield module_name(path), path


MODULES = dict(all_modules())


def is_declared_pure(path):
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return CONTRACT in doc


def imports_of(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            for alias in node.names:
                yield f"{node.module}.{alias.name}"


def forbidden(name):
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


PURE = sorted(name for name, path in MODULES.items() if is_declared_pure(path))


def test_the_four_packages_exist_and_import():
    for package in PACKAGES:
        __import__(package)


def test_there_are_pure_modules_to_check():
    assert "lms.hospitals.importing" in PURE and "lms.accounts.logins" in PURE


@pytest.mark.parametrize("name", PURE)
def test_pure_modules_import_no_io_flask_or_sqlalchemy(name):
    seen, stack, problems = set(), [name], []
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for imported in imports_of(MODULES[current]):
            if forbidden(imported):
                problems.append(f"{current} imports {imported}")
            elif imported in MODULES and imported != current:
                stack.append(imported)
    assert problems == []


@pytest.mark.parametrize(
    "name", sorted(n for n in MODULES if n.rsplit(".", 1)[-1] in RULE_MODULE_NAMES)
)
def test_rule_modules_declare_the_pure_contract(name):
    assert name in PURE, f"{name} holds a rule; start its docstring with the contract"


def test_only_edges_commit():
    """Operations and queries flush; views, CLI commands and tasks commit."""
    offenders = [
        name
        for name, path in MODULES.items()
        if name.rsplit(".", 1)[-1] in ("operations", "queries")
        and "commit()" in path.read_text()
    ]
    assert offenders == []


# --- arrows only go down (issue 12, item 6) -----------------------------------

#: The domain packages, each reaching another only one way.
DOMAIN = ("courses", "media_pipeline", "certificates")
#: What must never load when a pure module is imported (a fresh interpreter).
NEVER_LOADED_BY_PURE = ("flask", "werkzeug", "sqlalchemy", "flask_sqlalchemy")


def resolved_imports(path):
    """Every module of ours ``path`` imports, at any depth of the file (function
    bodies too): ``from lms import app`` is ``lms.app``."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in MODULES
                else node.module
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name:
                yield name


IMPORTS = {name: set(resolved_imports(path)) - {name} for name, path in MODULES.items()}


def package_of(name):
    return name.split(".", 1)[0]


def find_cycle(graph):
    """One cycle of ``graph`` (node -> set of nodes) as a list, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"b"}}) == ["b", "c", "b"]


def test_domain_packages_import_each_other_one_way_only():
    """courses <- media_pipeline <- certificates, never back: courses hears of
    certificates only through events (courses.events, courses.credit_terms)."""
    graph, why = {}, {}
    for name, imported in IMPORTS.items():
        for other in imported:
            a, b = package_of(name), package_of(other)
            if a != b and a in DOMAIN and b in DOMAIN:
                graph.setdefault(a, set()).add(b)
                why.setdefault((a, b), f"{name} imports {other}")
    cycle = find_cycle(graph)
    assert cycle is None, [why[edge] for edge in itertools.pairwise(cycle)]


def is_edge(name):
    """The app, its API, its pages (views, admin) and its CLI: the top layer."""
    return (
        name == "lms.app"
        or name.startswith(("lms.api", "lms.main"))
        or name.endswith((".views", ".admin"))
    )


def test_the_foundations_sit_below_the_domain_packages():
    """What a domain package imports from lms (db, accounts' models and roles,
    hospitals, enums, queue, text...) never imports a domain package back, at any
    depth, nor the app, its views or its API."""
    below = {
        other
        for name, imported in IMPORTS.items()
        if package_of(name) in DOMAIN
        for other in imported
        if package_of(other) == "lms"
    }
    problems, seen, stack = [], set(), [(m, [m]) for m in sorted(below)]
    while stack:
        name, chain = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for other in IMPORTS[name]:
            if package_of(other) in DOMAIN or is_edge(other):
                problems.append(" -> ".join([*chain, other]))
            else:
                stack.append((other, [*chain, other]))
    assert problems == []


def test_the_lms_package_loads_nothing_until_asked():
    """``import lms`` (which every ``lms.*`` import runs first) imports nothing at
    its top level: ``create_app`` is imported when asked for."""
    tree = ast.parse(MODULES["lms"].read_text())
    assert not [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]


@pytest.mark.parametrize("name", PURE)
def test_importing_a_pure_module_loads_no_flask_or_sqlalchemy(name):
    """In a fresh interpreter, so nothing imported earlier hides a dependency."""
    check = (
        f"import importlib, sys; importlib.import_module({name!r}); "
        f"print(sorted(m for m in sys.modules "
        f"if m.split('.')[0] in {NEVER_LOADED_BY_PURE!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]", f"{name} loads {result.stdout.strip()}"


def test_flask_finds_the_factory_of_the_lazy_package(tmp_path):
    """``flask --app lms`` and ``lms:create_app()`` still find the app."""
    check = (
        "import sys, lms; assert 'flask' not in sys.modules; "
        "from flask.cli import ScriptInfo, find_best_app; "
        "print(find_best_app(lms).name, "
        "ScriptInfo(app_import_path='lms:create_app()').load_app().name)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "LMS_SECRET_KEY": "k" * 16 + "0123456789abcdef0123456789",
        "LMS_INSTANCE_PATH": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["lms", "lms"]
