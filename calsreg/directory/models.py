"""The help desk's own directory of orderer organisations, offices and supervisors.

These are the *trusted contacts* of the seed's step 3: a confirmation mail or call goes only to an
entry of this directory, never to an address or number written on an application.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from calsreg.core.models import TimeStampedModel
from calsreg.core.search_keys import email_key_field, name_key_field, phone_key_field


class OrdererOrganisation(TimeStampedModel):
    """発注機関: Niigata Prefecture first; municipalities later."""

    code = models.CharField(_("機関コード"), max_length=20, unique=True)
    name = models.CharField(_("発注機関名"), max_length=100)

    class Meta:
        verbose_name = _("発注機関")
        verbose_name_plural = _("発注機関")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class OrdererOffice(TimeStampedModel):
    """発注事務所, e.g. 新潟地域振興局 地域整備部."""

    organisation = models.ForeignKey(
        OrdererOrganisation, on_delete=models.PROTECT, related_name="offices", verbose_name=_("発注機関")
    )
    code = models.CharField(_("事務所コード"), max_length=20, unique=True)
    name = models.CharField(_("事務所名"), max_length=100, unique=True)
    postcode = models.CharField(_("郵便番号"), max_length=8, blank=True)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    phone = models.CharField(_("代表電話番号"), max_length=20, blank=True)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("発注事務所")
        verbose_name_plural = _("発注事務所")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SupervisorTitle(models.TextChoices):
    GENERAL_SUPERVISOR = "general_supervisor", _("総括監督員")
    CHIEF_SUPERVISOR = "chief_supervisor", _("主任監督員")
    SUPERVISOR = "supervisor", _("監督員")


class Supervisor(TimeStampedModel):
    """監督員等: a person at an orderer office whom the help desk already knows."""

    office = models.ForeignKey(
        OrdererOffice, on_delete=models.PROTECT, related_name="supervisors", verbose_name=_("発注事務所")
    )
    code = models.CharField(_("職員コード"), max_length=20, unique=True)
    name = models.CharField(_("氏名"), max_length=60)
    kana = models.CharField(_("氏名（フリガナ）"), max_length=60)
    title = models.CharField(_("役職"), max_length=20, choices=SupervisorTitle.choices)
    email = models.EmailField(_("メールアドレス"))
    phone = models.CharField(_("電話番号"), max_length=20)
    active = models.BooleanField(_("有効"), default=True)
    # The desk's search keys (core.search_keys): kept current by the database, indexed.
    name_key = name_key_field("name", max_length=60)
    kana_key = name_key_field("kana", max_length=60)
    email_key = email_key_field("email")
    phone_key = phone_key_field("phone")

    class Meta:
        verbose_name = _("監督員")
        verbose_name_plural = _("監督員")
        ordering = ["office__code", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_title_display()}）"
