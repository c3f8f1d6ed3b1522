"""Writes of the directory: import the help desk's CSV, and export it back."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from calsreg.core import clock
from calsreg.directory import csv_format
from calsreg.directory.import_report import ChangeCounts, ImportReport, RowError
from calsreg.directory.models import OrdererOffice, OrdererOrganisation, Supervisor
from calsreg.directory.row_validation import DirectoryRow, check_header, clean_rows
from calsreg.records.services import Actor, audit_record

_FILE_MESSAGES = {
    "encoding": _(
        "ファイルの文字コードを読み取れません。Excelで「CSV UTF-8（コンマ区切り）」または"
        "「CSV（コンマ区切り）」を選んで保存し直してください。"
    ),
    "utf16": _(
        "このファイルは「Unicode テキスト」形式です。Excelで「CSV UTF-8（コンマ区切り）」を選んで保存し直してください。"
    ),
    "empty": _("ファイルが空です。1行目に見出し、2行目から監督員を1人1行で入力してください。"),
    "csv": _("CSVとして読み取れません。Excelで「CSV UTF-8（コンマ区切り）」を選んで保存し直してください。"),
}
_KIND_LABELS = {"organisation": _("発注機関"), "office": _("発注事務所"), "supervisor": _("監督員")}


def directory_import_csv(*, content: bytes, actor: Actor, dry_run: bool = False) -> ImportReport:
    """Import the directory CSV (layout in ``csv_format``): all or nothing.

    Every row is validated first; if any row has an error the report lists every error (row number,
    field, what to do) and nothing is saved. Otherwise organisations, offices and supervisors are
    created or updated by their code, and each created or changed record gets an audit event
    (``directory.<kind>_created`` / ``directory.<kind>_updated`` with the before/after values of the
    changed fields). ``dry_run`` reports what would happen and saves nothing.

    Records absent from the file are NOT deleted: a supervisor who left is deactivated with 有効=0, so
    past confirmations keep pointing at the person who gave them. An office's 有効 flag is not in the
    file and is left as it is (the admin site changes it).
    """
    report = ImportReport(dry_run=dry_run)
    try:
        parsed = csv_format.parse(content)
    except csv_format.UnreadableFile as problem:
        report.errors = [RowError(row=0, column="", label="", message=str(_FILE_MESSAGES[problem.reason]))]
        return report
    report.encoding = parsed.encoding
    report.rows = len(parsed.rows)
    report.ignored_columns = parsed.ignored_headers
    report.errors = check_header(parsed)
    if report.errors:
        return report
    rows, report.errors = clean_rows(parsed)
    if report.errors:
        return report
    with transaction.atomic():
        plan = _plan(rows)
        report.errors = plan.errors
        if report.errors:
            return report
        report.organisations = plan.counts("organisation")
        report.offices = plan.counts("office")
        report.supervisors = plan.counts("supervisor")
        if not dry_run:
            _apply(plan, actor=actor, now=clock.now())
            report.saved = True
    return report


def directory_export_csv() -> bytes:
    """Every supervisor (active or not) with its office and organisation, in the import layout, as
    UTF-8 with BOM. Offices without supervisors cannot be expressed in this layout and are left out."""
    supervisors = Supervisor.objects.select_related("office__organisation").order_by("office__code", "code")
    return csv_format.write(_export_row(supervisor) for supervisor in supervisors)


def _export_row(supervisor: Supervisor) -> dict[str, str]:
    office = supervisor.office
    return {
        "organisation_code": office.organisation.code,
        "organisation_name": office.organisation.name,
        "office_code": office.code,
        "office_name": office.name,
        "office_postcode": office.postcode,
        "office_address": office.address,
        "office_phone": office.phone,
        "code": supervisor.code,
        "name": supervisor.name,
        "kana": supervisor.kana,
        "title": csv_format.TITLE_LABELS.get(supervisor.title, supervisor.title),
        "email": supervisor.email,
        "phone": supervisor.phone,
        "active": csv_format.ACTIVE_LABELS[supervisor.active],
    }


@dataclass
class _Change:
    """One record of the file against the database. ``before``/``after`` hold only the fields that
    differ (all fields for a new record); foreign keys are given by the code of their target."""

    kind: str
    code: str
    instance: Any  # the existing model instance, or None for a new record
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class _Plan:
    changes: list[_Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def counts(self, kind: str) -> ChangeCounts:
        mine = [change for change in self.changes if change.kind == kind]
        return ChangeCounts(
            created=sum(change.instance is None for change in mine),
            updated=sum(change.instance is not None and bool(change.after) for change in mine),
            unchanged=sum(change.instance is not None and not change.after for change in mine),
        )


def _organisation_values(organisation: OrdererOrganisation) -> dict[str, Any]:
    return {"name": organisation.name}


def _office_values(office: OrdererOffice) -> dict[str, Any]:
    return {
        "organisation": office.organisation.code,
        "name": office.name,
        "postcode": office.postcode,
        "address": office.address,
        "phone": office.phone,
    }


def _supervisor_values(supervisor: Supervisor) -> dict[str, Any]:
    return {
        "office": supervisor.office.code,
        "name": supervisor.name,
        "kana": supervisor.kana,
        "title": supervisor.title,
        "email": supervisor.email,
        "phone": supervisor.phone,
        "active": supervisor.active,
    }


def _plan(rows: list[DirectoryRow]) -> _Plan:
    """Compare the file with the database, locking the existing records until the transaction ends
    so that two imports cannot interleave."""
    organisations: dict[str, dict[str, Any]] = {}
    offices: dict[str, tuple[int, dict[str, Any]]] = {}
    for row in rows:
        organisations.setdefault(row.organisation_code, {"name": row.organisation_name})
        offices.setdefault(
            row.office_code,
            (
                row.row,
                {
                    "organisation": row.organisation_code,
                    "name": row.office_name,
                    "postcode": row.office_postcode,
                    "address": row.office_address,
                    "phone": row.office_phone,
                },
            ),
        )
    plan = _Plan(errors=_office_name_clashes(offices))
    existing_organisations = _locked(OrdererOrganisation.objects.all(), organisations)
    existing_offices = _locked(OrdererOffice.objects.select_related("organisation"), offices)
    existing_supervisors = _locked(Supervisor.objects.select_related("office"), (row.code for row in rows))
    for code, wanted in organisations.items():
        plan.changes.append(
            _compare("organisation", code, existing_organisations, wanted, _organisation_values)
        )
    for code, (_row, wanted) in offices.items():
        plan.changes.append(_compare("office", code, existing_offices, wanted, _office_values))
    for row in rows:
        wanted = {
            "office": row.office_code,
            "name": row.name,
            "kana": row.kana,
            "title": row.title,
            "email": row.email,
            "phone": row.phone,
            "active": row.active,
        }
        plan.changes.append(
            _compare("supervisor", row.code, existing_supervisors, wanted, _supervisor_values)
        )
    return plan


def _locked(queryset: models.QuerySet, codes: Iterable[str]) -> dict[str, Any]:
    locked = queryset.select_for_update(of=("self",)).filter(code__in=list(codes))
    return {record.code: record for record in locked}


def _compare(
    kind: str,
    code: str,
    existing: dict[str, Any],
    wanted: dict[str, Any],
    values: Callable[[Any], dict[str, Any]],
) -> _Change:
    instance = existing.get(code)
    if instance is None:
        return _Change(kind=kind, code=code, instance=None, before={}, after=dict(wanted))
    current = values(instance)
    changed = [name for name, value in wanted.items() if current[name] != value]
    return _Change(
        kind=kind,
        code=code,
        instance=instance,
        before={name: current[name] for name in changed},
        after={name: wanted[name] for name in changed},
    )


def _office_name_clashes(offices: dict[str, tuple[int, dict[str, Any]]]) -> list[RowError]:
    """Office names are unique (the workbook names its office). A name held by another office in the
    database is refused even when the file renames that office as well: the unique index would refuse
    the swap half-way, so the message asks for two imports."""
    code_of_name = {wanted["name"]: code for code, (_row, wanted) in offices.items()}
    errors = []
    for holder in OrdererOffice.objects.filter(name__in=list(code_of_name)).order_by("code"):
        code = code_of_name[holder.name]
        if holder.code == code:
            continue
        if holder.code in offices:
            message = _(
                "事務所名 %(name)s は今は事務所コード %(other)s の名前です。名前を入れ替える場合は、"
                "先に %(other)s の事務所名だけを変えて取り込んでから、もう一度取り込んでください。"
            )
        else:
            message = _(
                "事務所名 %(name)s は登録済みの別の事務所（事務所コード %(other)s）の名前です。"
                "同じ事務所なら事務所コードを %(other)s にしてください。"
            )
        errors.append(
            RowError(
                row=offices[code][0],
                column="office_name",
                label=csv_format.COLUMNS["office_name"],
                message=str(message % {"name": holder.name, "other": holder.code}),
            )
        )
    return sorted(errors, key=lambda error: error.row)


_MODELS: dict[str, type[OrdererOrganisation | OrdererOffice | Supervisor]] = {
    "organisation": OrdererOrganisation,
    "office": OrdererOffice,
    "supervisor": Supervisor,
}
# Foreign keys in a change are codes; the kind of record each one names.
_REFERENCES = {"organisation": "organisation", "office": "office"}


def _apply(plan: _Plan, *, actor: Actor, now: datetime) -> None:
    """Write the plan: parents before children so every reference resolves, one audit event each."""
    saved: dict[str, dict[str, Any]] = {kind: {} for kind in _MODELS}
    for change in plan.changes:
        if change.instance is not None:
            saved[change.kind][change.code] = change.instance
    for kind in ("organisation", "office", "supervisor"):
        for change in plan.changes:
            if change.kind != kind or (change.instance is not None and not change.after):
                continue
            instance = change.instance or _MODELS[kind](code=change.code)
            for name, value in change.after.items():
                setattr(instance, name, saved[_REFERENCES[name]][value] if name in _REFERENCES else value)
            if change.instance is None:
                instance.save()
            else:
                instance.save(update_fields=[*change.after, "updated_at"])
            saved[kind][change.code] = instance
            _audit(change, instance=instance, actor=actor, now=now)


def _audit(
    change: _Change,
    *,
    instance: OrdererOrganisation | OrdererOffice | Supervisor,
    actor: Actor,
    now: datetime,
) -> None:
    created = change.instance is None
    if created:
        summary = gettext_noop("%(kind)s %(code)s（%(name)s）を名簿CSVから登録しました。")
    else:
        summary = gettext_noop("%(kind)s %(code)s（%(name)s）を名簿CSVで更新しました。")
    audit_record(
        actor=actor,
        action=f"directory.{change.kind}_{'created' if created else 'updated'}",
        subject=instance,
        summary=summary,
        summary_params={"kind": str(_KIND_LABELS[change.kind]), "code": change.code, "name": instance.name},
        data={"code": change.code, "source": "csv", "before": change.before, "after": change.after},
        at=now,
    )
