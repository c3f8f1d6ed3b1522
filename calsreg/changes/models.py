"""Change (correction) requests — 変更(訂正)申込, seed steps 7–9.

A request names one registered project and holds only the items to change (``ChangeItem``), each
with the registered value when it was filed (``before``) and the value asked for (``after``). Nothing
is applied until the help desk has called back **the person concerned** by each item (本人: whose data
it is, ``catalog.person_concerned``) at that person's phone number **already on file**
(``CallBack.phone_number`` is copied from the registration, never typed and never taken from the
form) and recorded what they confirmed. A call confirms only the items of the person called
(``ChangeItem.decided_by``); a request about several people needs a call to each. Only confirmed items
are applied.

States: submitted → verified → applied; submitted | verified → rejected (see ``TRANSITIONS``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from calsreg.core.models import TimeStampedModel
from calsreg.core.step_times import StepTime
from calsreg.core.text_search import SearchTextField, SearchTextMixin
from calsreg.core.transitions import ensure_transition
from calsreg.verification.models import CallOutcome


class ChangeKind(models.TextChoices):
    SUPERVISOR = "supervisor", _("監督員の変更")
    PROJECT = "project", _("工事情報・工事名の変更")
    USERS = "users", _("利用者の追加・削除・交代")
    CONTACT = "contact", _("連絡先・個人情報の訂正")
    BILLING_ADDRESS = "billing_address", _("請求書送付先の変更")
    EARLY_END = "early_end", _("利用の早期終了")
    DISCLOSURE = "disclosure", _("保有個人データの開示")
    DELETION = "deletion", _("個人データの削除")


class ChangeStatus(models.TextChoices):
    SUBMITTED = "submitted", _("受付済み（本人確認前）")
    VERIFIED = "verified", _("本人確認済み")
    APPLIED = "applied", _("反映済み")
    REJECTED = "rejected", _("不承認")


TRANSITIONS: dict[str, frozenset[str]] = {
    ChangeStatus.SUBMITTED: frozenset({ChangeStatus.VERIFIED, ChangeStatus.REJECTED}),
    ChangeStatus.VERIFIED: frozenset({ChangeStatus.APPLIED, ChangeStatus.REJECTED}),
    ChangeStatus.APPLIED: frozenset(),
    ChangeStatus.REJECTED: frozenset(),
}

OPEN_STATUSES = frozenset({ChangeStatus.SUBMITTED, ChangeStatus.VERIFIED})


class ChangeChannel(models.TextChoices):
    MY_PAGE = "my_page", _("マイページ")
    PORTAL = "portal", _("ポータル（受付番号・工事番号）")
    WORKBOOK = "workbook", _("Excel変更申込書")
    MAIL = "mail", _("Excel変更申込書（メール）")
    API = "api", _("API")


class ChangeCounter(models.Model):
    """Last change-request number issued per year; incremented under a row lock."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class ChangeRequest(SearchTextMixin, TimeStampedModel):
    number = models.CharField(_("変更受付番号"), max_length=20, unique=True)
    project = models.ForeignKey(
        "accounts.Project", on_delete=models.PROTECT, related_name="change_requests", verbose_name=_("工事")
    )
    status = models.CharField(
        _("状態"), max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.SUBMITTED, db_index=True
    )
    channel = models.CharField(_("受付経路"), max_length=16, choices=ChangeChannel.choices)
    submitted_at = models.DateTimeField(_("受付日時"), db_index=True)
    # The account holder who filed it from my page (None for the portal, a workbook or the API).
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="change_requests_filed",
        verbose_name=_("申込者（マイページ）"),
    )
    # As written on the form. The phone number here is shown to the desk as "stated on the form"
    # only; it is never offered as the number to call (the call-back goes to the number on file).
    requester_name = models.CharField(_("申込者氏名（記載）"), max_length=60)
    requester_phone = models.CharField(_("電話番号（申込書記載）"), max_length=20, blank=True)
    requester_email = models.EmailField(_("メールアドレス（申込書記載）"), max_length=254, blank=True)
    reason = models.TextField(_("変更の理由"), blank=True)
    language = models.CharField(_("お知らせの言語"), max_length=8, default="ja")
    notices = models.JSONField(_("入力の自動補正"), default=list, blank=True)
    # The change form as received (workbook, or the JSON of a web/API request) with its checksum.
    form_evidence = models.ForeignKey(
        "records.Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_change_requests",
        verbose_name=_("担当者"),
    )
    verified_at = models.DateTimeField(_("本人確認日時"), null=True, blank=True)
    applied_at = models.DateTimeField(_("反映日時"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("不承認日時"), null=True, blank=True)
    decision_note = models.TextField(_("判断の理由（窓口用）"), blank=True)
    # A call-back denied by the person on file: somebody else filed it (e.g. an e-mail takeover).
    impersonation_suspected = models.BooleanField(_("なりすましの疑い"), default=False)
    personal_data_purged_at = models.DateTimeField(_("個人データ消去日時"), null=True, blank=True)
    # What the desk's text filter finds a part of, with the project's own (core.text_search).
    search_text = SearchTextField(sources=("number", "requester_name"))

    class Meta:
        verbose_name = _("変更申込")
        verbose_name_plural = _("変更申込")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            # Keyset pages of the desk's list (calsreg/desk/paging.py), newest or oldest first, with or
            # without the state or "mine": the first and the last page cost the same at any size.
            models.Index(fields=["submitted_at", "id"], name="change_received_key"),
            models.Index(fields=["status", "submitted_at", "id"], name="change_status_received"),
            models.Index(fields=["assigned_to", "submitted_at", "id"], name="change_assigned_received"),
            models.Index(fields=["assigned_to", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.project_id})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def transition_to(self, target: str) -> None:
        ensure_transition(
            table=TRANSITIONS,
            choices=ChangeStatus,
            current=self.status,
            target=target,
            message=_("「%(current)s」の変更申込を「%(target)s」にすることはできません。"),
        )
        self.status = target


# The steps the desk's lead times measure (``core.step_times``): (key, start field, end field).
CHANGE_REQUEST_STEP_SPANS: tuple[tuple[str, str, str], ...] = (
    ("received_verified", "submitted_at", "verified_at"),
    ("verified_applied", "verified_at", "applied_at"),
    ("received_applied", "submitted_at", "applied_at"),
)


class ChangeRequestStepTime(StepTime):
    """One finished step of a change request and its business time, kept by the services that stamp
    the step's timestamps (``services.step_times``), read by the dashboard through the index."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="step_times")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["change_request", "step"], name="change_request_step_once"),
        ]
        indexes = [models.Index(fields=["step", "ended_at", "business_us"], name="change_request_step_ended")]

    def __str__(self) -> str:
        return f"{self.change_request_id} {self.step}"


class ItemDecision(models.TextChoices):
    PENDING = "pending", _("未確認")
    CONFIRMED = "confirmed", _("本人が確認")
    DECLINED = "declined", _("確認できず・取りやめ")


class ChangeItem(models.Model):
    """One thing to change. ``field`` is a key of ``changes.catalog.ITEMS``.

    ``target`` names what the item is about when the field is not the project's own: an account ID
    (``tanaka.kqz``) for user items, a directory supervisor's id for supervisor items, "applicant"
    for the 申込担当者. ``before`` is the registered value when filed (for the desk's diff) and
    ``after`` the validated new value; both are JSON (dates as ISO strings).
    """

    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("行番号"))
    kind = models.CharField(_("種類"), max_length=20, choices=ChangeKind.choices)
    field = models.CharField(_("項目"), max_length=40)
    target = models.CharField(_("対象"), max_length=40, blank=True)
    before = models.JSONField(_("変更前（登録内容）"), null=True, blank=True)
    after = models.JSONField(_("変更後"), null=True, blank=True)
    decision = models.CharField(
        _("本人確認"), max_length=12, choices=ItemDecision.choices, default=ItemDecision.PENDING
    )
    decided_at = models.DateTimeField(_("確認日時"), null=True, blank=True)
    # The call-back that reached the item's person concerned and decided it (evidence of 本人確認).
    decided_by = models.ForeignKey(
        "CallBack",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_items",
        verbose_name=_("確認した電話"),
    )
    applied_at = models.DateTimeField(_("反映日時"), null=True, blank=True)
    # Why a confirmed item could not be applied, or what applying it did (shown to the applicant).
    outcome = models.CharField(_("結果"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("変更項目")
        verbose_name_plural = _("変更項目")
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="change_item_position_unique"),
            # Invariant 2: an item is applied only after the caller confirmed it.
            models.CheckConstraint(
                condition=models.Q(applied_at__isnull=True) | models.Q(decision="confirmed"),
                name="change_item_applied_only_confirmed",
            ),
            # An item is confirmed only by a call-back (to its person concerned: the service's rule).
            models.CheckConstraint(
                condition=~models.Q(decision="confirmed") | models.Q(decided_by__isnull=False),
                name="change_item_confirmed_by_a_call",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request.number} #{self.position} {self.field}"


class CallBack(TimeStampedModel):
    """The help desk's call to a person concerned by the request, at their number on file (seed step 8).

    ``contact`` says who was called (``applicant`` or an account ID) and ``phone_number`` is that
    person's number, copied from the registration when the call is recorded. A positive call decides
    only the items whose person concerned is ``contact`` (``decided_items``).
    """

    request = models.ForeignKey(ChangeRequest, on_delete=models.PROTECT, related_name="call_backs")
    contact = models.CharField(_("発信先（登録者）"), max_length=40)
    contact_name = models.CharField(_("発信先の氏名（登録内容）"), max_length=60)
    phone_number = models.CharField(_("発信先の電話番号（登録済み）"), max_length=20)
    called_at = models.DateTimeField(_("通話日時"))
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The same outcomes as the supervisor's confirmation call: only "confirmed" verifies.
    outcome = models.CharField(_("結果"), max_length=16, choices=CallOutcome.choices)
    note = models.TextField(_("メモ"), blank=True)
    # The call record as kept evidence (JSON with checksum), written when it is recorded.
    evidence = models.ForeignKey(
        "records.Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("本人確認の電話（折り返し）")
        verbose_name_plural = _("本人確認の電話（折り返し）")
        ordering = ["called_at", "id"]

    def __str__(self) -> str:
        return f"{self.request.number} ☎ {self.contact} ({self.outcome})"
