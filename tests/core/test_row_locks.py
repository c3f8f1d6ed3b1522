"""Row locks stay on the rows a service changes: a ``select_for_update`` that also reads directory
rows (an office, its organisation, a supervisor) names the rows it locks with ``of=``.

On PostgreSQL a bare ``select_for_update().select_related("office")`` locks the joined office row
too, so every registration, confirmation or change of one office waited for the others (and for any
insert referring to that office). Scanned from the source: a new query of that shape fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import calsreg

# Directory rows many applications and projects share: never locked as a side effect of a join.
SHARED_RELATIONS = frozenset({"office", "organisation", "supervisor"})


def _chain(node: ast.expr) -> list[ast.Call]:
    """The calls of one method chain (``a.b().c().d()``), outermost first."""
    calls: list[ast.Call] = []
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Call):
            calls.append(node)
            node = node.func
        else:
            node = node.value
    return calls


def _name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else ""


def _locks_shared_rows(calls: list[ast.Call]) -> bool:
    locks = [call for call in calls if _name(call) == "select_for_update"]
    if not locks or any(keyword.arg == "of" for call in locks for keyword in call.keywords):
        return False
    joined = [
        arg.value
        for call in calls
        if _name(call) == "select_related"
        for arg in call.args
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    ]
    return any(SHARED_RELATIONS & set(path.split("__")) for path in joined)


def _offending_lines() -> list[str]:
    root = Path(calsreg.__file__).parent
    found = set()
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _locks_shared_rows(_chain(node)):
                found.add(f"{path.relative_to(root.parent)}:{node.lineno}")
    return sorted(found)


def test_no_select_for_update_locks_an_office_or_supervisor_row_through_a_join():
    # given/when: every query of the project's code
    offending = _offending_lines()

    # then
    assert offending == []


def test_the_scan_finds_a_join_that_locks_the_office():
    # given: the shape this guards against, and the narrowed one
    bare = ast.parse('Application.objects.select_for_update().select_related("office").get(pk=1)')
    narrowed = ast.parse(
        'Application.objects.select_for_update(of=("self",)).select_related("office").get(pk=1)'
    )

    # when/then
    assert _locks_shared_rows(_chain(bare.body[0].value))  # type: ignore[attr-defined]
    assert not _locks_shared_rows(_chain(narrowed.body[0].value))  # type: ignore[attr-defined]
