"""Intake is owned by the applications app: the interfaces make one call and write no audit rows.

Read from the source (AST), so that a view that starts assembling an application again, or writing
an audit row itself, fails here before review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import calsreg

ROOT = Path(calsreg.__file__).parent
INTERFACES = ("desk", "portal", "api")

# The portal app's own model service (the top page's notices, edited in the admin): the owning app
# audits its own writes, as every domain app does. Not a view.
OWN_MODEL_SERVICES = {"portal/notices.py"}

# The pieces a channel service assembles; an interface importing one is assembling intake itself.
INTAKE_PIECES = {
    "validate_application",
    "workbook_read",
    "workbook_from_eml",
    "application_submit",
    "application_resubmit",
    "ReceivedFile",
    "submission_as_evidence",
}

# Each channel's intake view and the one applications service it submits through.
INTAKE_VIEWS = [
    ("portal/views/apply.py", "apply_form", "application_submit_payload"),
    ("portal/views/correct.py", "correct_form", "application_resubmit_payload"),
    ("portal/views/upload.py", "apply_upload", "application_submit_workbook"),
    ("desk/applications/views/intake.py", "intake", "application_submit_at_desk"),
    ("api/routers/public.py", "application_create", "application_submit_payload"),
    ("api/routers/public.py", "application_create_from_workbook", "application_submit_workbook"),
]


def _interface_modules() -> list[Path]:
    return sorted(path for name in INTERFACES for path in (ROOT / name).rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_names(tree: ast.Module) -> set[str]:
    return {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}


def _called_names(node: ast.AST) -> list[str]:
    names = []
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            names.append(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return names


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_interface_module_imports_or_calls_audit_record():
    offenders = [
        _relative(path)
        for path in _interface_modules()
        if _relative(path) not in OWN_MODEL_SERVICES
        and ("audit_record" in _imported_names(tree := _tree(path)) or "audit_record" in _called_names(tree))
    ]

    assert offenders == []


def test_no_interface_module_assembles_an_application_itself():
    offenders = {
        _relative(path): sorted(found)
        for path in _interface_modules()
        if (found := _imported_names(_tree(path)) & INTAKE_PIECES)
    }

    assert offenders == {}


@pytest.mark.parametrize(("module", "view", "service"), INTAKE_VIEWS)
def test_each_intake_view_submits_through_exactly_one_applications_service(module, view, service):
    tree = _tree(ROOT / module)
    [function] = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == view]
    submitting = [
        name
        for name in _called_names(function)
        if name.startswith(("application_submit", "application_resubmit"))
    ]

    assert submitting == [service]
    assert service in _imported_names(tree)
