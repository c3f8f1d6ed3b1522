"""Inputs and outputs of the billing endpoints (billing agent / administrator token)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from ninja import Schema
from pydantic import Field

from calsreg.api.paging import PagedQueryIn, PageOut
from calsreg.api.schemas.application_in import StrictIn
from calsreg.billing.models import InvoiceStatus, PaymentImportKind

InvoiceStatusFilter = Enum(  # type: ignore[misc]
    "InvoiceStatusFilter", {value: value for value in InvoiceStatus.values}, type=str
)
ImportKind = Enum("ImportKind", {value: value for value in PaymentImportKind.values}, type=str)  # type: ignore[misc]


class InvoiceQueryIn(PagedQueryIn):
    status: InvoiceStatusFilter | None = Field(default=None, description="状態で絞り込み")  # type: ignore[valid-type]
    overdue: bool = Field(default=False, description="支払期限を過ぎて未入金のものだけ")
    office: str | None = Field(default=None, max_length=20, description="発注事務所コードで絞り込み")
    run_month: str | None = Field(default=None, max_length=20, description="請求月（YYYY-MM）で絞り込み")


class PostedIn(StrictIn):
    posted_on: date = Field(description="郵送日（到着日と支払期限はここから計算されます）")


class ManualPaymentIn(StrictIn):
    received_on: date = Field(description="入金日")
    amount: int = Field(description="金額（円）")
    payer_name: str = Field(max_length=200, description="振込依頼人名")
    payer_code: str = Field(
        default="", max_length=200, description="依頼人コード・EDI（請求書番号・お客様番号）"
    )
    note: str = Field(default="", max_length=200, description="備考")


class AllocationIn(StrictIn):
    invoice_number: str = Field(max_length=20, description="請求書番号（例: 2026-000123）")
    amount: int = Field(description="充当額（円）")


class PaymentIgnoreIn(StrictIn):
    reason: str = Field(
        max_length=200, description="対象外にする理由（返金・本サービス以外の振込など。必須）"
    )


class OfficeRefOut(Schema):
    code: str = Field(description="事務所コード")
    name: str = Field(description="事務所名")


class InvoiceOut(Schema):
    number: str | None = Field(description="請求書番号（下書きは null）")
    kind: str = Field(description="種類（invoice / additional / credit_note / fee_credit）")
    status: str = Field(description="状態（コード）")
    status_label: str = Field(validation_alias="get_status_display", description="状態")
    billing_addressee: str = Field(description="宛名")
    customer_code: str = Field(description="お客様番号")
    project_number: str = Field(validation_alias="project.project_number", description="工事番号")
    office: OfficeRefOut = Field(validation_alias="project.office", description="発注事務所")
    run_month: date = Field(description="請求月（月の1日）")
    issue_date: date | None = Field(description="発行日")
    posted_on: date | None = Field(description="郵送日")
    arrival_on: date | None = Field(description="到着日")
    due_on: date | None = Field(description="支払期限")
    subtotal: int = Field(description="小計（税抜・円）")
    tax: int = Field(description="消費税額（円）")
    total: int = Field(description="合計（税込・円）")
    amount_paid: int = Field(description="入金済み（円、振込手数料差引分を含む）")
    balance: int = Field(
        validation_alias="amount_outstanding",
        description="残額（円）。返還請求書は対象の請求書の残額から差し引き済みのため 0",
    )


class InvoicePageOut(PageOut):
    count: int = Field(description="条件に合う請求書の総数")
    items: list[InvoiceOut]


class AllocationOut(Schema):
    id: int
    invoice_number: str | None = Field(validation_alias="invoice.number", description="請求書番号")
    amount: int = Field(description="充当額（円、振込手数料差引分を含む）")
    fee_shortfall: int = Field(description="振込手数料差引分（円）")
    rule: str = Field(description="消込方法（code / amount_name / manual）")
    rule_label: str = Field(validation_alias="get_rule_display", description="消込方法")


class PaymentOut(Schema):
    id: int
    source: str = Field(description="入力元（zengin / csv / manual）")
    line: int | None = Field(description="ファイルの行")
    received_on: date = Field(description="入金日")
    amount: int = Field(description="金額（円）")
    payer_name: str = Field(description="振込依頼人名")
    payer_code: str = Field(description="振込依頼人コード")
    edi: str = Field(description="EDI情報")
    is_cancellation: bool = Field(description="銀行の取消通知")
    status: str = Field(description="状態（unmatched / partially_matched / matched / ignored）")
    status_label: str = Field(validation_alias="get_status_display", description="状態")
    unallocated: int = Field(description="未充当（円）")
    match_detail: dict = Field(description="自動消込で残った理由（reason など）")
    allocations: list[AllocationOut] = Field(description="充当")


class PaymentPageOut(PageOut):
    items: list[PaymentOut]


class PaymentImportOut(Schema):
    id: int
    created: bool = Field(description="false: 同じファイルを取込済み（何も変更していません）")
    message: str = Field(description="結果の説明（日本語）")
    kind: str
    original_name: str
    imported_at: datetime
    status: str = Field(
        description="finished（完了）。大きなファイルは queued/running（ワーカーが順に取込・消込中、"
        "件数は完了後に入ります）、failed（error に理由）"
    )
    total: int = Field(description="ファイルの入金件数")
    error: str = ""
    payment_count: int
    duplicate_count: int
    total_amount: int
    matched_count: int
    partially_matched_count: int
    unmatched_count: int
    payments: list[PaymentOut]
