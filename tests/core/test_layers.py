"""The floors of the house, read from the source: no import cycle; `core` imports no area;
`extensions.py` imports nothing of the application; roles are listed only in
accounts/roles.py; the product never imports the demo; migrations carry their own DDL.

Every import counts, those inside functions too: a deferred import hides a cycle from
Python, not from a reader. The package root (`casework/__init__.py`, `create_app`) is left
out of the cycle check: it is where the whole application is put together, so it imports
every area, and a job that needs an application (the outbox worker) builds one with it.

The one-home rules are read here too: one refusal type, every permission a `can_*`, no
feature detection of endpoints.
"""

import ast
import re
from pathlib import Path

from casework import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "casework"
TEMPLATES = PROJECT_ROOT / "templates"
REVISIONS = PROJECT_ROOT / "migrations" / "versions"



def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path, name: str) -> set[str]:
    """Every module of the application that `path` imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:  # `from casework.core import audit` names a module
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in MODULES else source)
    return {m for m in found if m == "casework" or m.startswith("casework.")}


IMPORTS: dict[str, set[str]] = {name: imported(path, name) for name, path in MODULES.items()}


def cycles() -> list[list[str]]:
    """The groups of modules that import each other (strongly connected components)."""
    graph = {name: {m for m in deps if m in MODULES and m not in (name, "casework")}
             for name, deps in IMPORTS.items() if name != "casework"}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def test_the_import_graph_is_read():
    assert {"casework.core.errors", "casework.extensions"} <= set(MODULES)
    assert "casework.core.problems" in IMPORTS["casework.core.errors"]
    assert "casework.core.audit_checkpoints" in IMPORTS["casework.cli"]  # inside a function


def test_no_import_cycle_anywhere():
    assert cycles() == []


def test_core_imports_no_area():
    allowed = ("casework.core", "casework.extensions")
    wrong = {name: sorted(m for m in deps if not m.startswith(allowed))
             for name, deps in IMPORTS.items() if name.startswith("casework.core")}
    assert {name: deps for name, deps in wrong.items() if deps} == {}


def test_extensions_import_nothing_of_the_application():
    assert IMPORTS["casework.extensions"] == set()


def test_only_the_cli_imports_the_demo():
    importers = {name for name, deps in IMPORTS.items()
                 if any(m == "casework.demo" or m.startswith("casework.demo.") for m in deps)}
    assert {name for name in importers if not name.startswith("casework.demo")} == {"casework.cli"}


def test_migrations_import_no_application_module():
    revisions = sorted(REVISIONS.glob("*.py"))
    assert revisions
    offending = {path.name: sorted(deps) for path in revisions
                 if (deps := imported(path, "migrations.versions." + path.stem))}
    assert offending == {}


# -- roles are listed in accounts/roles.py only -------------------------------------------

MEMBER = r"\bRole\.[A-Z_]+\b"
ROLE_SET = re.compile("|".join([
    rf"{MEMBER}\s*,\s*{MEMBER}",              # two or more members side by side
    rf"\(\s*{MEMBER}\s*,\s*\)",               # a one-member tuple
    rf"\{{\s*{MEMBER}\s*\}}",                 # a one-member set
    r"\b(?:tuple|set|frozenset|list)\(\s*Role\s*\)",  # all of them
]))
ROLE_TEST = re.compile(r"role\.value\s*(?:in\b|==|!=)|role\s*(?:in\s*\(|==\s*['\"])")


def role_sets() -> dict[str, list[str]]:
    found = {}
    for name, path in MODULES.items():
        if name == "casework.accounts.roles":
            continue
        matches = ROLE_SET.findall(path.read_text(encoding="utf-8"))
        if matches:
            found[name] = matches
    for path in sorted(TEMPLATES.rglob("*.html")):
        relative = path.relative_to(TEMPLATES).as_posix()
        matches = ROLE_TEST.findall(path.read_text(encoding="utf-8"))
        if matches:
            found[relative] = matches
    return found


def test_the_role_set_pattern_finds_role_sets():
    assert ROLE_SET.search("READERS = (Role.SECRETARY,\n           Role.CHAIR)")
    assert ROLE_SET.search("STAFF = tuple(Role)")
    assert ROLE_SET.search("if user.role in {Role.ADMIN}:")
    assert not ROLE_SET.search('("a@b.kz", "A", Role.OPERATOR, ["KZ-KAR"])')
    assert ROLE_TEST.search("{% if current_user.role.value in ('admin', 'chair') %}")


def test_no_role_set_anywhere():
    assert role_sets() == {}


# -- one refusal, permissions as can_*, no feature detection ---------------------------------

def sources() -> dict[str, str]:
    texts = {name: path.read_text(encoding="utf-8") for name, path in MODULES.items()}
    texts.update({path.relative_to(TEMPLATES).as_posix(): path.read_text(encoding="utf-8")
                  for path in sorted(TEMPLATES.rglob("*.html"))})
    return texts


def test_one_refusal_type():
    """Services refuse with core.refusal.Refusal itself: no subclasses of it and no error
    types of their own for business rules. (A parser's internal signal that never leaves its
    module's caller, such as a malformed mail or a bad CSV row, is not a refusal.)"""
    own = {}
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef) or node.name == "Refusal":
                continue
            bases = {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases}
            if "Refusal" in bases or ("ValueError" in bases and node.name.endswith("Error")):
                own.setdefault(name, []).append(node.name)
    assert own == {}


def test_permissions_are_can_methods():
    """No `may_*` predicates and no role checks by decorator: every permission is a
    `can_<verb>(user)` on the object it guards (or a desk's `can_open`)."""
    found = {name: re.findall(r"\bdef (_?may_\w+)|\b(require_roles)\b", text)
             for name, text in sources().items()}
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_no_endpoint_detection():
    """create_app registers every blueprint: nothing asks whether an endpoint exists."""
    found = {name: re.findall(r"has_endpoint|view_functions", text)
             for name, text in sources().items()}
    assert {name: hits for name, hits in found.items() if hits} == {}
