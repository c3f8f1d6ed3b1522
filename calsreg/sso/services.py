"""Writes of the OpenID Connect provider: relying parties and sign-ins — each audited.

Relying parties are django-oauth-toolkit ``Application`` rows registered by the administrator only
(``manage.py oidc_client_create``); their client secrets are stored hashed (DOT's default) and shown
once, when made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import Application
from oauth2_provider.settings import oauth2_settings

from calsreg.accounts.models import User
from calsreg.accounts.services import account_actor
from calsreg.core import clock
from calsreg.core.errors import FieldError, NotFound, ValidationFailed
from calsreg.core.outbound import resend
from calsreg.records.services import Actor, audit_record
from calsreg.sso.models import BackchannelEndpoint, SignIn
from calsreg.sso.tasks import LOGOUTS


@dataclass(frozen=True)
class RegisteredParty:
    application: Application
    secret: str | None  # in clear once, for a confidential party; None for a public one


@transaction.atomic
def relying_party_register(
    *,
    name: str,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str],
    confidential: bool,
    first_party: bool,
    actor: Actor,
    backchannel_logout_uri: str = "",
) -> RegisteredParty:
    """Register a relying party (authorization code + PKCE, RS256 ID tokens), with the exact URL
    its logout tokens are POSTed to if it takes them."""
    name = name.strip()
    backchannel_logout_uri = backchannel_logout_uri.strip()
    errors = _uri_errors("redirect_uris", _("リダイレクトURI"), redirect_uris, required=True)
    errors += _uri_errors(
        "backchannel_logout_uri",
        _("バックチャネルログアウトURI"),
        [backchannel_logout_uri] if backchannel_logout_uri else [],
    )
    errors += _uri_errors("post_logout_redirect_uris", _("ログアウト後のURI"), post_logout_redirect_uris)
    if not name or len(name) > 255:
        errors.append(FieldError("name", _("名称を255文字以内で入力してください。"), _("名称")))
    if errors:
        raise ValidationFailed(errors=errors)
    secret = generate_client_secret()
    application = Application(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        post_logout_redirect_uris=" ".join(post_logout_redirect_uris),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=first_party,
        hash_client_secret=True,
        client_secret=secret,
    )
    application.full_clean()
    application.save()
    if backchannel_logout_uri:
        BackchannelEndpoint.objects.create(application=application, uri=backchannel_logout_uri)
    audit_record(
        actor=actor,
        action="sso.party_registered",
        subject=application,
        summary=gettext_noop("連携先「%(name)s」を登録しました。"),
        summary_params={"name": application.name},
        data={
            "client_id": application.client_id,
            "client_type": application.client_type,
            "first_party": first_party,
            "redirect_uris": redirect_uris,
            "backchannel_logout_uri": backchannel_logout_uri,
        },
    )
    return RegisteredParty(application=application, secret=secret if confidential else None)


@transaction.atomic
def relying_party_secret_rotate(*, client_id: str, actor: Actor) -> str:
    """Give a confidential party a new client secret (the old one stops working at once)."""
    application = Application.objects.select_for_update().filter(client_id=client_id).first()
    if application is None:
        raise NotFound(_("クライアントID「%(client_id)s」の連携先はありません。") % {"client_id": client_id})
    if application.client_type != Application.CLIENT_CONFIDENTIAL:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "client_id", _("公開クライアントにはシークレットがありません。"), _("クライアントID")
                )
            ]
        )
    secret = generate_client_secret()
    application.client_secret = secret
    application.save(update_fields=["client_secret", "updated"])
    audit_record(
        actor=actor,
        action="sso.party_secret_rotated",
        subject=application,
        summary=gettext_noop("連携先「%(name)s」のクライアントシークレットを更新しました。"),
        summary_params={"name": application.name},
        data={"client_id": application.client_id},
    )
    return secret


@transaction.atomic
def logout_deliveries_resend(*, delivery_ids: Iterable[int], actor: Actor) -> int:
    """Send the failed (or stuck) logout deliveries among ``delivery_ids`` again from their first
    attempt (same ``jti``: still one logout to the party), each audited on the person's timeline;
    return how many were re-queued. A delivered or already pending one is left as it is."""
    requeued = resend(LOGOUTS, delivery_ids=delivery_ids)
    for delivery in requeued:
        audit_record(
            actor=actor,
            action="sso.logout_resent",
            subject=delivery.user,
            summary=gettext_noop("%(party)s へのバックチャネルログアウトを再送します。"),
            summary_params={"party": delivery.application.name},
            data={"logout_delivery": delivery.pk, "client_id": delivery.application.client_id},
        )
    return len(requeued)


@transaction.atomic
def sign_in_record(
    *, user: User, application: Application, token_family: UUID, sid: UUID | None = None
) -> SignIn:
    """A code exchanged for the first tokens: the sign-in (with its absolute end, and the ``sid``
    its ID token carries) and its audit row."""
    now = clock.now()
    sign_in = SignIn.objects.create(
        token_family=token_family,
        sid=sid or uuid4(),
        user=user,
        application=application,
        signed_in_at=now,
        expires_at=now + timedelta(seconds=settings.OIDC_SESSION_SECONDS),
    )
    audit_record(
        actor=account_actor(user=user),
        action="sso.signed_in",
        subject=user,
        summary=gettext_noop("%(party)s にサインインしました。"),
        summary_params={"party": application.name},
        data={"client_id": application.client_id, "sign_in": sign_in.pk},
        at=now,
    )
    return sign_in


REFUSAL_TEXT_MAX_CHARS = 300


@transaction.atomic
def authorization_refusal_record(
    *,
    client_id: str,
    reason: str,
    description: str,
    redirect_uri: str = "",
    user: User | None = None,
    account_id: str = "",
) -> bool:
    """Audit a refused authorization: the party (as asked), the person if known, the reason.

    Only what the request named in the open: never its ``state``, ``nonce``, code challenge or a
    password. ``account_id`` names a person whose right password the login rule refused. Nothing is
    written (False) when neither a person nor a registered party is known: an anonymous request
    with an unknown client names no one.
    """
    application = Application.objects.filter(client_id=client_id).first() if client_id else None
    if user is None and account_id:
        user = User.objects.filter(username=account_id).first()
    subject = user if user is not None else application
    if subject is None:
        return False
    party = application.name if application is not None else client_id[:100]
    audit_record(
        actor=account_actor(user=user) if user is not None else Actor.system("oidc"),
        action="sso.authorization_refused",
        subject=subject,
        summary=gettext_noop("%(party)s へのサインインを拒否しました（%(reason)s）。"),
        summary_params={"party": party, "reason": description[:REFUSAL_TEXT_MAX_CHARS]},
        data={
            "client_id": client_id[:100],
            "registered_party": application is not None,
            "reason": reason,
            "description": description[:REFUSAL_TEXT_MAX_CHARS],
            "redirect_uri": redirect_uri[:500],
        },
    )
    return True


def authorization_refusal_at_login_record(*, next_url: str, account_id: str, description: str) -> bool:
    """The my-page login refused a right password by the login rule (not started, suspended,
    closed): audit it as a refused authorization when the login was on the way to one."""
    parts = urlsplit(next_url)
    if parts.netloc or parts.path != reverse("oauth2_provider:authorize"):
        return False
    query = parse_qs(parts.query)
    return authorization_refusal_record(
        client_id=query.get("client_id", [""])[0],
        redirect_uri=query.get("redirect_uri", [""])[0],
        reason="login_rule",
        description=description,
        account_id=account_id,
    )


def _uri_errors(field: str, label: str, uris: list[str], *, required: bool = False) -> list[FieldError]:
    if required and not uris:
        return [FieldError(field, _("URIを1つ以上指定してください。"), label)]
    bad = [uri for uri in uris if not _absolute_uri(uri)]
    if bad:
        message = _("httpsまたはhttpの完全なURI（#や*を含まない）を指定してください: %(uris)s") % {
            "uris": ", ".join(bad)
        }
        return [FieldError(field, message, label)]
    return []


def _absolute_uri(uri: str) -> bool:
    parts = urlsplit(uri)
    # https only in production, as for redirect URIs (ALLOWED_REDIRECT_URI_SCHEMES).
    return (
        parts.scheme in oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES
        and bool(parts.netloc)
        and not parts.fragment
        and "*" not in uri
    )
