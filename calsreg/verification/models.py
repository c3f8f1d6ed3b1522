"""Orderer confirmation (seed step 3): the supervisor's reply and the help desk's phone call.

Both are aimed only at directory entries (``directory.Supervisor``): the address and number used are
copied from the directory at the time of sending/calling, never taken from the application.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from calsreg.core.models import TimeStampedModel


class ReplyChannel(models.TextChoices):
    LINK = "link", _("確認用リンク")
    MAIL = "mail", _("返信メール")


class Answer(models.TextChoices):
    CONFIRMED = "confirmed", _("申込は正しい（確認）")
    DENIED = "denied", _("心当たりがない・誤り（否認）")


class ConfirmationRequest(TimeStampedModel):
    """One confirmation mail to one directory supervisor about one application, with its answer.

    The link's token is stored as a SHA-256 digest only; it is single-use, expires, and is bound to
    this application and this supervisor. Sending again supersedes the open request.
    """

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="confirmation_requests"
    )
    supervisor = models.ForeignKey(
        "directory.Supervisor", on_delete=models.PROTECT, related_name="confirmation_requests"
    )
    sent_to = models.EmailField(_("送信先（名簿のアドレス）"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("リンクの有効期限"))
    # Unanswered by this business day → back to the operator, with a reminder mail.
    due_back_on = models.DateField(_("回答期限（営業日）"))
    reminded_at = models.DateTimeField(_("催促日時"), null=True, blank=True)
    # The language of the mail, so that the reminder speaks the same one.
    language = models.CharField(_("メールの言語"), max_length=8, default="ja")
    superseded_at = models.DateTimeField(_("再送により無効化"), null=True, blank=True)
    answered_at = models.DateTimeField(_("回答日時"), null=True, blank=True)
    answer = models.CharField(_("回答"), max_length=16, choices=Answer.choices, blank=True)
    answer_channel = models.CharField(_("回答経路"), max_length=8, choices=ReplyChannel.choices, blank=True)
    reason = models.TextField(_("否認の理由・コメント"), blank=True)
    # For a reply received by mail: the archived .eml and its sender (the directory address).
    reply_evidence = models.ForeignKey(
        "records.Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reply_from = models.CharField(_("返信メールの差出人"), max_length=254, blank=True)
    # Only on answers recorded before a reply from another sender stopped counting: such an answer
    # never counts (``selectors.round_state``). Replies from other senders are now UnlistedSenderReply.
    sender_mismatch = models.BooleanField(_("差出人が名簿のアドレスと異なる"), default=False)

    class Meta:
        verbose_name = _("内容確認依頼")
        verbose_name_plural = _("内容確認依頼")
        ordering = ["created_at", "id"]
        constraints = [
            # At most one open request per application and supervisor.
            models.UniqueConstraint(
                fields=["application", "supervisor"],
                condition=models.Q(answered_at__isnull=True, superseded_at__isnull=True),
                name="confirmation_one_open_per_supervisor",
            ),
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True, answer="")
                | models.Q(answered_at__isnull=False) & ~models.Q(answer=""),
                name="confirmation_answer_with_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} → {self.supervisor}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.superseded_at is None


class UnlistedSenderReply(TimeStampedModel):
    """A reply mail whose sender is not the directory address of the supervisor asked, or that names
    more than one sender.

    Anyone can send a mail under any name, so it answers nothing: it neither confirms nor denies, and
    the request stays open (its link still works). It is kept as evidence and shown to the desk, who
    asks the supervisor to answer through the link or re-sends the mail to the directory address.
    """

    request = models.ForeignKey(
        ConfirmationRequest, on_delete=models.PROTECT, related_name="unlisted_replies"
    )
    evidence = models.ForeignKey("records.Evidence", on_delete=models.PROTECT, related_name="+")
    sender = models.CharField(_("差出人（メールのFrom）"), max_length=300)
    stated_answer = models.CharField(_("返信に書かれていた内容"), max_length=16, choices=Answer.choices)
    reason = models.TextField(_("理由・メモ"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("名簿外の差出人からの返信メール")
        verbose_name_plural = _("名簿外の差出人からの返信メール")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request} ← {self.sender}"

    @property
    def warning(self) -> str:
        """What the desk is told, on the panel and in the API's answer."""
        return gettext(
            "返信メールの差出人（%(sender)s）は名簿のアドレス（%(address)s）ではないため、"
            "確認にも否認にも数えません。監督員に確認用リンクから回答してもらうか、"
            "名簿のアドレスへ確認メールを再送してください。"
        ) % {"sender": self.sender, "address": self.request.supervisor.email}


class CallOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("確認できた")
    DENIED = "denied", _("否認された")
    NO_ANSWER = "no_answer", _("不在・応答なし")
    WRONG_PERSON = "wrong_person", _("別人・該当者なし")


class PhoneCall(TimeStampedModel):
    """An outbound call by the help desk to a directory supervisor's number (seed step 3)."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="phone_calls"
    )
    supervisor = models.ForeignKey(
        "directory.Supervisor", on_delete=models.PROTECT, related_name="phone_calls"
    )
    # Copied from the directory when the call is recorded; never typed by the operator.
    phone_number = models.CharField(_("発信先の電話番号（名簿）"), max_length=20)
    called_at = models.DateTimeField(_("通話日時"))
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("結果"), max_length=16, choices=CallOutcome.choices)
    note = models.TextField(_("メモ"), blank=True)

    class Meta:
        verbose_name = _("電話確認記録")
        verbose_name_plural = _("電話確認記録")
        ordering = ["called_at", "id"]

    def __str__(self) -> str:
        return f"{self.application} ☎ {self.supervisor} ({self.outcome})"
