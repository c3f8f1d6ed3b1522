from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from calsreg.applications.states import OPEN_STATUSES, Status, ensure_transition
from calsreg.core.models import TimeStampedModel
from calsreg.core.search_keys import company_key_field, email_key_field, name_key_field, phone_key_field
from calsreg.core.step_times import StepTime
from calsreg.core.text_search import SearchTextField, SearchTextMixin
from calsreg.directory.models import OrdererOffice, Supervisor


class Channel(models.TextChoices):
    WEB = "web", _("Webフォーム")
    WORKBOOK = "workbook", _("Excel申込書（ポータル）")
    DESK_WORKBOOK = "desk_workbook", _("Excel申込書（窓口登録）")
    DESK_MAIL = "desk_mail", _("受信メール（窓口登録）")
    MAILBOX = "mailbox", _("メール（自動受信）")
    API = "api", _("API")


class UserRole(models.TextChoices):
    SITE_AGENT = "site_agent", _("現場代理人")
    CHIEF_ENGINEER = "chief_engineer", _("監理技術者・主任技術者")
    ENGINEER = "engineer", _("担当技術者")
    OTHER = "other", _("その他")


class ApplicationStatusCount(models.Model):
    """How many applications are in one state, as of the last fold of ``ApplicationStatusChange``
    (``applications.services.status_counts``): the desk reads these rows plus the changes not yet
    folded instead of counting the whole table."""

    status = models.CharField(_("状態"), max_length=32, choices=Status.choices, primary_key=True)
    count = models.BigIntegerField(_("件数"), default=0)

    class Meta:
        verbose_name = _("状態別の申込件数")
        verbose_name_plural = _("状態別の申込件数")

    def __str__(self) -> str:
        return f"{self.status}: {self.count}"


class ApplicationStatusChange(models.Model):
    """One application entering (+1) or leaving (−1) a state, appended by ``Application.save``/``delete``
    in the same transaction as the change.

    Appending a row never waits for another transaction. Updating the counter rows in place did: the
    transaction of a registration held the 「登録済み」 counter row until it committed, so every other
    registration of the whole system waited for it. The workers' maintenance folds these rows into
    ``ApplicationStatusCount`` (``status_counts_fold``); readers add the few not yet folded.
    """

    id = models.BigAutoField(primary_key=True)
    status = models.CharField(max_length=32)
    delta = models.SmallIntegerField()

    def __str__(self) -> str:
        return f"{self.status} {self.delta:+d}"


def _status_counts_move(*, before: str | None, after: str | None) -> None:
    """One application left ``before`` and entered ``after`` (None: created / deleted)."""
    if before == after:
        return
    ApplicationStatusChange.objects.bulk_create(
        ApplicationStatusChange(status=status, delta=delta)
        for status, delta in ((before, -1), (after, 1))
        if status is not None
    )


class ReceiptCounter(models.Model):
    """Last receipt number issued per year; incremented under a row lock."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


# What the desk's free-text filter looks into (core.text_search); the index is in migration 0006.
APPLICATION_SEARCHED_FIELDS = ("receipt_number", "project_number", "project_name", "contractor_name")


class Application(SearchTextMixin, TimeStampedModel):
    """利用申込: one contractor's request to use the service for one construction project."""

    receipt_number = models.CharField(_("受付番号"), max_length=20, unique=True)
    status = models.CharField(
        _("状態"), max_length=32, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    channel = models.CharField(_("受付経路"), max_length=20, choices=Channel.choices)
    form_version = models.CharField(_("様式バージョン"), max_length=40, blank=True)
    submitted_at = models.DateTimeField(_("受付日時"), db_index=True)

    # 工事情報
    office = models.ForeignKey(
        OrdererOffice, on_delete=models.PROTECT, related_name="applications", verbose_name=_("発注事務所")
    )
    project_number = models.CharField(_("工事番号"), max_length=40, db_index=True)
    project_name = models.CharField(_("工事名"), max_length=200)
    project_location = models.CharField(_("工事場所"), max_length=200)
    period_start = models.DateField(_("工期（開始日）"))
    period_end = models.DateField(_("工期（終了日）"))
    contract_amount = models.BigIntegerField(_("請負金額（円）"))
    contract_date = models.DateField(_("契約日"))

    # 受注者情報
    contractor_name = models.CharField(_("会社名"), max_length=100)
    contractor_kana = models.CharField(_("会社名（フリガナ）"), max_length=100)
    contractor_representative = models.CharField(_("代表者氏名"), max_length=60)
    contractor_postcode = models.CharField(_("郵便番号"), max_length=8)
    contractor_address = models.CharField(_("住所"), max_length=200)
    contractor_phone = models.CharField(_("電話番号"), max_length=20)

    # 申込担当者 — the phone number on file for call-backs
    applicant_name = models.CharField(_("担当者氏名"), max_length=60)
    applicant_kana = models.CharField(_("担当者氏名（フリガナ）"), max_length=60)
    applicant_email = models.EmailField(_("メールアドレス"), max_length=254, db_index=True)
    applicant_phone = models.CharField(_("電話番号"), max_length=20)

    # 請求書送付先
    billing_addressee = models.CharField(_("宛名"), max_length=100)
    billing_department = models.CharField(_("部署名"), max_length=100, blank=True)
    billing_postcode = models.CharField(_("郵便番号"), max_length=8)
    billing_address = models.CharField(_("住所"), max_length=200)
    billing_phone = models.CharField(_("電話番号"), max_length=20)

    terms_version = models.CharField(_("同意した利用規約の版"), max_length=20)
    terms_accepted_at = models.DateTimeField(_("利用規約への同意日時"))

    # Supervisors from the directory (chosen in the web form / API, or matched by the desk).
    supervisors = models.ManyToManyField(
        Supervisor, blank=True, related_name="applications", verbose_name=_("監督員（名簿）")
    )
    # Names typed on a workbook: shown to the desk for matching, never used as contacts.
    stated_supervisors = models.JSONField(_("申込書記載の監督員"), default=list, blank=True)

    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("重複の疑い"),
    )
    # Set when the supervisor denied the application on either channel (seed step 3: なりすまし対策).
    impersonation_suspected = models.BooleanField(_("なりすましの疑い"), default=False)
    # Why it was returned (told to the applicant) or rejected (for the desk only: the applicant's
    # rejection notice is neutral, so a forger does not learn that the supervisor denied it).
    decision_reason = models.TextField(_("差戻し・却下の理由"), blank=True)
    # What was normalised on input (e.g. full-width ID → half-width), shown back to user and desk.
    notices = models.JSONField(_("入力の自動補正"), default=list, blank=True)

    # The desk operator in charge (assignment for "my work"); None = unassigned.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_applications",
        verbose_name=_("担当者"),
    )
    # When each step of seed steps 2–5 was reached, for the business-hour timers and the dashboard
    # (received = submitted_at → confirmed → registered → in service). Denormalised on purpose:
    # the dashboard reads them from this one table in a constant number of queries.
    confirmed_at = models.DateTimeField(_("確認完了日時"), null=True, blank=True)
    registered_at = models.DateTimeField(_("登録日時"), null=True, blank=True)
    in_service_at = models.DateTimeField(_("利用開始日時"), null=True, blank=True)
    # Set when the retention period passed and the personal data on it was erased (lifecycle app).
    personal_data_purged_at = models.DateTimeField(_("個人データ消去日時"), null=True, blank=True)
    # The desk's search keys (core.search_keys): kept current by the database, indexed.
    contractor_key = company_key_field("contractor_name")
    contractor_phone_key = phone_key_field("contractor_phone")
    applicant_name_key = name_key_field("applicant_name", max_length=60)
    applicant_kana_key = name_key_field("applicant_kana", max_length=60)
    applicant_email_key = email_key_field("applicant_email")
    applicant_phone_key = phone_key_field("applicant_phone")
    # Those fields folded (width, kana, case) in one text, written with the row; its bigrams are indexed.
    search_text = SearchTextField(sources=APPLICATION_SEARCHED_FIELDS)

    class Meta:
        verbose_name = _("利用申込")
        verbose_name_plural = _("利用申込")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["office", "project_number"]),
            # Keyset pages of the desk's queue (calsreg/desk/paging.py): each order it offers is served
            # by an index in that order, so the first and the last page cost the same at any size.
            models.Index(fields=["submitted_at", "id"], name="application_received_key"),
            models.Index(fields=["status", "submitted_at", "id"], name="application_status_received"),
            models.Index(fields=["status", "-submitted_at", "-id"], name="application_status_newest"),
            models.Index(fields=["office", "submitted_at", "id"], name="application_office_received"),
            # The desk sorts the queue by project name (bench/README.md: 74 ms → 0.4 ms at 100,000).
            models.Index(fields=["project_name", "id"]),
            models.Index(fields=["assigned_to", "status"]),
            # The dashboard's weekly counts (received in the last 12 weeks, by status): read from
            # the index alone, without visiting the rows.
            models.Index(fields=["submitted_at", "status"], name="application_received_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="application_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(contract_amount__gt=0), name="application_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.project_name}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @classmethod
    def from_db(cls, db, field_names, values):  # type: ignore[no-untyped-def]
        instance = super().from_db(db, field_names, values)
        instance._remember_status()
        return instance

    def refresh_from_db(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().refresh_from_db(*args, **kwargs)
        self._remember_status()

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        """Save, and move the per-state counters in the same transaction when the state changes."""
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and update_fields is not None and "status" not in update_fields:
            super().save(*args, **kwargs)
            return
        with transaction.atomic(savepoint=False):
            before = None if self._state.adding else self._status_in_database()
            super().save(*args, **kwargs)
            _status_counts_move(before=before, after=self.status)
        self._remember_status()

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with transaction.atomic(savepoint=False):
            before = self._status_in_database()
            deleted = super().delete(*args, **kwargs)
            _status_counts_move(before=before, after=None)
        return deleted

    def _remember_status(self) -> None:
        if "status" in self.__dict__:  # not deferred
            self._saved_status: str | None = self.status

    def _status_in_database(self) -> str | None:
        known = self.__dict__.get("_saved_status")
        if known is not None:
            return str(known)
        return Application.objects.filter(pk=self.pk).values_list("status", flat=True).first()

    def transition_to(self, target: str) -> None:
        """Move to ``target`` or raise InvalidTransition; the caller saves inside its transaction."""
        ensure_transition(self.status, target)
        self.status = target


# The steps the desk's lead times measure (``core.step_times``): (key, start field, end field).
APPLICATION_STEP_SPANS: tuple[tuple[str, str, str], ...] = (
    ("received_confirmed", "submitted_at", "confirmed_at"),
    ("confirmed_registered", "confirmed_at", "registered_at"),
    ("registered_in_service", "registered_at", "in_service_at"),
    ("received_in_service", "submitted_at", "in_service_at"),
)


class ApplicationStepTime(StepTime):
    """One finished step of an application and its business time, kept by the services that stamp
    the step's timestamps (``services.step_times``): the dashboard reads the steps ended in its
    window through the (step, ended_at) index instead of scanning the applications."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="step_times")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "step"], name="application_step_once"),
        ]
        # business_us included: the window's durations are read from the index alone.
        indexes = [models.Index(fields=["step", "ended_at", "business_us"], name="application_step_ended")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.step}"


class ApplicationUser(models.Model):
    """One user ID asked for on an application (利用者)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="users")
    position = models.PositiveSmallIntegerField(_("行番号"))
    role = models.CharField(_("役割"), max_length=20, choices=UserRole.choices)
    name = models.CharField(_("氏名"), max_length=60)
    kana = models.CharField(_("氏名（フリガナ）"), max_length=60)
    email = models.EmailField(_("メールアドレス"), max_length=254)
    phone = models.CharField(_("電話番号"), max_length=20)
    requested_id = models.CharField(_("希望ID"), max_length=10)
    # The desk's search keys (core.search_keys): kept current by the database, indexed.
    name_key = name_key_field("name", max_length=60)
    kana_key = name_key_field("kana", max_length=60)
    email_key = email_key_field("email")
    phone_key = phone_key_field("phone")

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")
        ordering = ["application", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "requested_id"], name="application_user_id_unique"
            ),
            models.UniqueConstraint(
                fields=["application", "position"], name="application_user_position_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(requested_id__regex=r"^[A-Za-z0-9]{3,10}$"),
                name="application_user_id_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.requested_id})"


class CorrectionLink(models.Model):
    """A single-use link mailed to the applicant when the desk returns an application for correction.

    Only the SHA-256 of the token is stored; the link expires, and a new return supersedes it.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="correction_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("有効期限"))
    used_at = models.DateTimeField(_("使用日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("訂正用リンク")
        verbose_name_plural = _("訂正用リンク")

    def __str__(self) -> str:
        return f"{self.application} ({self.expires_at:%Y-%m-%d})"
