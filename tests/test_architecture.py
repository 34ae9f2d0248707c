"""The shape the design asks for, held by a test.

A pure module says so in its docstring ("No I/O, no Flask, no SQLAlchemy") and
then imports nothing that does I/O or touches Flask or the database, directly or
through another module of ours.
"""

import ast
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
