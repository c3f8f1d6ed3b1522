"""Users of the system, the projects they work on, and their memberships.

One user table (``AUTH_USER_MODEL``) for staff and account holders (docs/decisions/0002); ``role``
separates them. Staff sign in at the desk, account holders at the portal's my page; each login page
refuses the other kind.

A **project** is the service for one construction project, created from a confirmed application at
registration. An **account** (a ``User`` with role contractor or supervisor) is usable only while its
state is active (after the start-of-use notice) and — for contractor users — one of its projects is
active, or — for orderer supervisors — the person is still in the directory.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from calsreg.core.models import TimeStampedModel
from calsreg.core.search_keys import company_key_field, email_key_field, name_key_field, phone_key_field
from calsreg.core.text_search import SearchTextField, SearchTextMixin
from calsreg.core.transitions import ensure_transition


class Role(models.TextChoices):
    HELP_DESK = "help_desk", _("ヘルプデスク")
    BILLING_AGENT = "billing_agent", _("請求代行")
    ADMINISTRATOR = "administrator", _("管理者")
    CONTRACTOR = "contractor", _("受注者")
    SUPERVISOR = "supervisor", _("監督員")


STAFF_ROLES = frozenset({Role.HELP_DESK, Role.BILLING_AGENT, Role.ADMINISTRATOR})


ACCOUNT_ROLES = frozenset({Role.CONTRACTOR, Role.SUPERVISOR})


class AccountState(models.TextChoices):
    """An account holder's credentials: sent but not usable → usable → closed."""

    ISSUED = "issued", _("発行済み（利用開始前）")
    ACTIVE = "active", _("利用可能")
    CLOSED = "closed", _("利用終了")


ACCOUNT_TRANSITIONS: dict[str, frozenset[str]] = {
    AccountState.ISSUED: frozenset({AccountState.ACTIVE, AccountState.CLOSED}),
    AccountState.ACTIVE: frozenset({AccountState.CLOSED}),
    AccountState.CLOSED: frozenset({AccountState.ACTIVE}),  # an orderer account reused for a new project
}


class User(AbstractUser):
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices, default=Role.HELP_DESK)
    display_name = models.CharField(_("表示名"), max_length=100, blank=True)
    # --- account holders only (contractor users, orderer supervisors) ---
    state = models.CharField(
        _("アカウントの状態"), max_length=16, choices=AccountState.choices, default=AccountState.ACTIVE
    )
    kana = models.CharField(_("氏名（フリガナ）"), max_length=60, blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    # An orderer account belongs to one directory entry: one account per person across projects.
    supervisor = models.OneToOneField(
        "directory.Supervisor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
        verbose_name=_("監督員（名簿）"),
    )
    must_change_password = models.BooleanField(_("次回ログイン時にパスワード変更が必要"), default=False)
    # The initial password stops working after this moment if it was never changed.
    initial_password_expires_at = models.DateTimeField(_("初期パスワードの有効期限"), null=True, blank=True)
    activated_at = models.DateTimeField(_("利用開始日時"), null=True, blank=True)
    # The one identifier services see (the OpenID Connect ``sub`` and the events' ``sub``): random,
    # so it reveals nothing and no key rotation changes it; it survives a change of ID or e-mail and
    # is replaced on anonymisation, so the old value means nothing afterwards.
    subject = models.UUIDField(_("識別子（sub）"), default=uuid.uuid4, unique=True, editable=False)
    # The desk's search keys (core.search_keys): kept current by the database, indexed.
    name_key = name_key_field("display_name")
    kana_key = name_key_field("kana", max_length=60)
    email_key = email_key_field("email")
    phone_key = phone_key_field("phone")

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")
        constraints = [
            # Account holders' IDs have the seed's shape: requested part + "." + 3 letters.
            models.CheckConstraint(
                condition=~models.Q(role__in=["contractor", "supervisor"])
                | models.Q(username__regex=r"^[a-z0-9]{3,10}\.[a-z]{3}$"),
                name="account_id_shape",
            ),
        ]

    @property
    def is_account_holder(self) -> bool:
        return self.role in ACCOUNT_ROLES

    @property
    def is_desk_staff(self) -> bool:
        """Help desk and administrator work the application queue."""
        return self.is_active and self.role in {Role.HELP_DESK, Role.ADMINISTRATOR}

    @property
    def is_billing_staff(self) -> bool:
        """May see billing data (invoices, payments): the billing agent and administrators."""
        return self.is_active and self.role in {Role.BILLING_AGENT, Role.ADMINISTRATOR}

    @property
    def is_staff_member(self) -> bool:
        return self.is_active and self.role in STAFF_ROLES

    def __str__(self) -> str:
        return self.display_name or self.username

    def account_transition_to(self, target: str) -> None:
        """Move the account to ``target`` or raise InvalidTransition; the caller saves."""
        ensure_transition(
            table=ACCOUNT_TRANSITIONS,
            choices=AccountState,
            current=self.state,
            target=target,
            message=_("「%(current)s」のアカウントを「%(target)s」にすることはできません。"),
        )
        self.state = target


class ApiToken(TimeStampedModel):
    """A bearer token for the staff API. Only the SHA-256 of the secret is stored.

    The secret itself is shown once, when the token is issued (see ``accounts.services``); a lost
    secret is replaced by issuing a new token and revoking the old one.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("利用者")
    )
    name = models.CharField(_("用途"), max_length=100)
    # The first characters of the secret, to tell tokens apart in lists and logs (not enough to use it).
    prefix = models.CharField(_("識別用の先頭文字"), max_length=16)
    token_hash = models.CharField(_("トークンのSHA-256"), max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("最終利用日時"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("失効日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("APIトークン")
        verbose_name_plural = _("APIトークン")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(token_hash__regex=r"^[0-9a-f]{64}$"),  # noqa: S106
                name="api_token_hash_hex",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ProjectStatus(models.TextChoices):
    PROVISIONED = "provisioned", _("登録済み（利用開始前）")
    ACTIVE = "active", _("利用中")
    SUSPENDED = "suspended", _("利用停止中")
    CLOSED = "closed", _("利用終了")


PROJECT_TRANSITIONS: dict[str, frozenset[str]] = {
    ProjectStatus.PROVISIONED: frozenset({ProjectStatus.ACTIVE, ProjectStatus.CLOSED}),
    ProjectStatus.ACTIVE: frozenset({ProjectStatus.SUSPENDED, ProjectStatus.CLOSED}),
    ProjectStatus.SUSPENDED: frozenset({ProjectStatus.ACTIVE, ProjectStatus.CLOSED}),
    ProjectStatus.CLOSED: frozenset(),
}


class Project(SearchTextMixin, TimeStampedModel):
    """The service for one construction project (工事), created from one confirmed application."""

    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="project",
        verbose_name=_("利用申込"),
    )
    office = models.ForeignKey(
        "directory.OrdererOffice",
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("発注事務所"),
    )
    project_number = models.CharField(_("工事番号"), max_length=40, db_index=True)
    name = models.CharField(_("工事名"), max_length=200)
    location = models.CharField(_("工事場所"), max_length=200)
    period_start = models.DateField(_("工期（開始日）"))
    period_end = models.DateField(_("工期（終了日）"))
    contract_amount = models.BigIntegerField(_("請負金額（円）"))
    contractor_name = models.CharField(_("受注者名"), max_length=100)
    status = models.CharField(
        _("状態"),
        max_length=16,
        choices=ProjectStatus.choices,
        default=ProjectStatus.PROVISIONED,
        db_index=True,
    )
    # Start of use scheduled for a later day (the construction start); None = on the desk's action.
    service_starts_on = models.DateField(_("利用開始予定日"), null=True, blank=True)
    started_at = models.DateTimeField(_("利用開始日時"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("利用停止日時"), null=True, blank=True)
    # Why it is suspended: the payment rule and the desk's hand suspension are held apart, so a
    # payment never lifts a hand suspension and the desk's reinstatement never lifts the payment
    # rule's (accounts/services/suspension.py). Suspended while either holds.
    suspended_for_payment = models.BooleanField(_("未入金による利用停止"), default=False)
    suspended_by_hand = models.BooleanField(_("手動の利用停止"), default=False)
    hand_suspension_reason = models.CharField(_("手動の利用停止の理由"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("利用終了日時"), null=True, blank=True)
    # The last day of use: the end of the construction period unless an early end was applied
    # (a change request). The project closes the day after (lifecycle daily job).
    ends_on = models.DateField(_("利用終了予定日"), null=True, blank=True)
    closed_reason = models.CharField(_("利用終了の理由"), max_length=200, blank=True)
    # The language the desk chose for this project's notices; a scheduled start-of-use notice is
    # sent days after the desk's action, so the choice is kept here.
    notice_language = models.CharField(_("お知らせの言語"), max_length=8, default="ja")
    # The desk's search key (core.search_keys): kept current by the database, indexed.
    contractor_key = company_key_field("contractor_name")
    # What the desk's free-text filters find a part of (core.text_search; bigram-indexed on PostgreSQL).
    search_text = SearchTextField(sources=("project_number", "name"))

    class Meta:
        verbose_name = _("工事（利用単位）")
        verbose_name_plural = _("工事（利用単位）")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project_number} {self.name}"

    @property
    def last_day_of_use(self) -> date:
        """The day after which the project closes: an early end, else the end of the period — never
        after the period's end, even if a row was left with an early end outside it."""
        return min(self.ends_on, self.period_end) if self.ends_on else self.period_end

    def transition_to(self, target: str) -> None:
        ensure_transition(
            table=PROJECT_TRANSITIONS,
            choices=ProjectStatus,
            current=self.status,
            target=target,
            message=_("「%(current)s」の工事を「%(target)s」にすることはできません。"),
        )
        self.status = target


class MembershipRole(models.TextChoices):
    SITE_AGENT = "site_agent", _("現場代理人")
    CHIEF_ENGINEER = "chief_engineer", _("監理技術者・主任技術者")
    ENGINEER = "engineer", _("担当技術者")
    OTHER = "other", _("その他")
    GENERAL_SUPERVISOR = "general_supervisor", _("総括監督員")
    CHIEF_SUPERVISOR = "chief_supervisor", _("主任監督員")
    SUPERVISOR = "supervisor", _("監督員")


class Membership(TimeStampedModel):
    """A user's part in one project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("役割"), max_length=20, choices=MembershipRole.choices)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("工事メンバー")
        verbose_name_plural = _("工事メンバー")
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.project}"


class PasswordHistory(models.Model):
    """Earlier password hashes of an account holder, so a new password cannot reuse one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class LoginIdLock(models.Model):
    """Wrong passwords for one ID from every client address, and the ID-wide lock they lead to.

    The lock of one ID *from one address* is django-axes' ``AccessAttempt``; this row is the slow,
    ID-wide count next to it (``accounts/lockout.py``). Keyed by the ID as typed, not by a user: IDs
    that nobody holds are counted too, and nothing tells whether an ID exists.
    """

    username = models.CharField(_("ID"), max_length=255, unique=True)
    failures = models.PositiveIntegerField(_("誤ったパスワードの回数"), default=0)
    window_started_at = models.DateTimeField(_("数え始めた日時"))
    # ID-wide locks in a row (forgotten a day after the last one): each doubles the next cool-off.
    strikes = models.PositiveIntegerField(_("停止の回数"), default=0)
    locked_at = models.DateTimeField(_("停止した日時"), null=True, blank=True)
    locked_until = models.DateTimeField(_("停止の終了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("ログイン停止（ID単位）")
        verbose_name_plural = _("ログイン停止（ID単位）")

    def __str__(self) -> str:
        return self.username


class LoginAddressLock(models.Model):
    """A client address refused at every login (password spraying), as the desk lists and lifts it.

    The lock itself is the address's count of wrong passwords in the cache (``core/ratelimit.py``,
    scope ``LOGIN_FAILURE``): the cache answers "is this address over its allowance?" but cannot list
    the addresses that are (Django's cache API cannot list keys, and each backend stores them its own
    way). So this row is written when an address crosses the allowance, and is only an index of the
    cache: ``accounts/address_locks.py`` lists a row only while the cache still refuses its address,
    and lifting one forgets the count as well. Keyed by the address as counted (an IPv4 address or
    an IPv6 /64 network); rows of ended locks are deleted when the next lock is written.
    """

    address = models.CharField(_("接続元"), max_length=64, unique=True)
    locked_at = models.DateTimeField(_("停止した日時"))
    locked_until = models.DateTimeField(_("停止の終了日時"))

    class Meta:
        verbose_name = _("ログイン停止（接続元単位）")
        verbose_name_plural = _("ログイン停止（接続元単位）")

    def __str__(self) -> str:
        return self.address
