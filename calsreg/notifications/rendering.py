"""Mail templates and the send-time context hooks.

Each kind of notice is one plain-text template per language:
``notifications/mail/<language>/<kind>.txt``. Its first line is ``Subject: …``, then a blank line,
then the body. Templates are rendered with autoescape off (plain text: ``&`` must stay ``&``) and
inside ``translation.override(language)`` so dates and ``{% translate %}`` follow the recipient.

Send-time hooks: a kind may need data that must never be stored in the database, such as an initial
password. The app that owns such a kind registers a *prepare* hook for it (in its
``AppConfig.ready()``, so that web processes and workers alike have it)::

    register_prepare(kind="credentials", hook=credentials_prepare)

The hook is called as ``hook(delivery=delivery)`` in the worker, once per send attempt, after the
attempt is claimed and outside any transaction; what it returns is merged over the stored context
for rendering only and is never saved. If it raises, the attempt counts as failed and is retried
like an SMTP error. A hook that writes (e.g. sets a new password) must do so in its own transaction
and must tolerate running again on a retry.

Secrets: a hook returns each value that grants access — an initial password, a link with a token —
as a ``Secret`` (``Secret.password(…)``, ``Secret.link(…)``), at the top level of its mapping. The
mail is then rendered twice: with the value, for the message that leaves by SMTP, and with the
secret's "withheld" text in its place, for every copy the system keeps or shows (the demo outbox
the desk reads). Staff therefore never see a password or a working link of someone else's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.template import Context, Engine, TemplateDoesNotExist
from django.template.backends.django import get_installed_libraries
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from calsreg.notifications.models import Delivery

SUBJECT_PREFIX = "Subject:"
_KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class PrepareHook(Protocol):
    def __call__(self, *, delivery: Delivery) -> Mapping[str, Any]: ...


_prepare_hooks: dict[str, PrepareHook] = {}


class RequeueCheck(Protocol):
    def __call__(self, *, delivery: Delivery) -> None: ...


# Re-send checks: the owner of a kind whose send-time hook can no longer succeed (e.g. an initial
# password once the holder chose their own) refuses the desk's re-send up front, with a message the
# desk can act on, instead of letting the attempt fail again at send time.
_requeue_checks: dict[str, RequeueCheck] = {}


PASSWORD_WITHHELD = _("（パスワードは表示しません）")
LINK_WITHHELD = _("（リンクは表示しません）")


class Secret(str):
    """A value only the mail that leaves may carry. It is a ``str`` (hooks' callers and the sent
    mail use it as the value), its ``repr`` hides the value (tracebacks, logged dicts), and the
    kept rendering shows ``withheld`` instead."""

    withheld: str | Promise

    def __new__(cls, value: str, *, withheld: str | Promise) -> Secret:
        secret = super().__new__(cls, value)
        secret.withheld = withheld
        return secret

    @classmethod
    def password(cls, value: str) -> Secret:
        return cls(value, withheld=PASSWORD_WITHHELD)

    @classmethod
    def link(cls, value: str) -> Secret:
        return cls(value, withheld=LINK_WITHHELD)

    def __repr__(self) -> str:
        return f"Secret(withheld={str(self.withheld)!r})"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body: str
    # The same mail with every Secret withheld: the only form that may be stored or shown.
    kept_subject: str
    kept_body: str


def register_prepare(*, kind: str, hook: PrepareHook) -> None:
    """Register the send-time context hook of ``kind``. Registering a second, different hook for
    the same kind is a programming error (ValueError); re-registering the same one is harmless."""
    existing = _prepare_hooks.get(kind)
    if existing is not None and existing is not hook:
        raise ValueError(f"a prepare hook is already registered for mail kind {kind!r}")
    _prepare_hooks[kind] = hook


def register_requeue_check(*, kind: str, check: RequeueCheck) -> None:
    """Register the re-send check of ``kind``: it raises a DomainError when the desk may not send
    the delivery again. Same rules as ``register_prepare``."""
    existing = _requeue_checks.get(kind)
    if existing is not None and existing is not check:
        raise ValueError(f"a requeue check is already registered for mail kind {kind!r}")
    _requeue_checks[kind] = check


def requeue_check(*, delivery: Delivery) -> None:
    """Raise the kind's refusal (a DomainError) if ``delivery`` may not be sent again."""
    check = _requeue_checks.get(delivery.kind)
    if check is not None:
        check(delivery=delivery)


def unregister_prepare(*, kind: str) -> None:
    """For tests."""
    _prepare_hooks.pop(kind, None)


@cache
def _engine() -> Engine:
    # A separate engine: the site's engine autoescapes for HTML, which would corrupt plain text.
    return Engine(app_dirs=True, autoescape=False, libraries=get_installed_libraries())


def template_name(*, kind: str, language: str) -> str:
    return f"notifications/mail/{language}/{kind}.txt"


def ensure_template(*, kind: str, language: str) -> None:
    """Raise ValueError unless ``kind`` has a well-formed template in ``language``."""
    if not _KIND_RE.match(kind):
        raise ValueError(f"invalid mail kind {kind!r}")
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValueError(f"unsupported mail language {language!r}")
    name = template_name(kind=kind, language=language)
    try:
        template = _engine().get_template(name)
    except TemplateDoesNotExist as exc:
        raise ValueError(f"no mail template {name}") from exc
    # The first line may load tag libraries before the subject: "{% load jdate %}Subject: …".
    if SUBJECT_PREFIX not in template.source.split("\n", 1)[0]:
        raise ValueError(f"the first line of mail template {name} must be the {SUBJECT_PREFIX!r} line")


def render_mail(*, kind: str, language: str, context: Mapping[str, Any]) -> RenderedMail:
    """Render subject and body, as sent and as kept (see ``Secret``). The subject is folded onto one
    line (no header injection)."""
    subject, body = _render(kind=kind, language=language, context=context)
    if not any(isinstance(value, Secret) for value in context.values()):
        return RenderedMail(subject=subject, body=body, kept_subject=subject, kept_body=body)
    kept = {key: value.withheld if isinstance(value, Secret) else value for key, value in context.items()}
    kept_subject, kept_body = _render(kind=kind, language=language, context=kept)
    return RenderedMail(subject=subject, body=body, kept_subject=kept_subject, kept_body=kept_body)


def _render(*, kind: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    base = {"help_desk_email": settings.HELP_DESK_EMAIL, "site_url": settings.SITE_URL}
    template = _engine().get_template(template_name(kind=kind, language=language))
    with translation.override(language):
        rendered: str = template.render(Context({**base, **context}, autoescape=False))
    text = rendered.replace("\r\n", "\n")
    head, _sep, body = text.partition("\n\n")
    if not head.startswith(SUBJECT_PREFIX):
        raise ValueError(f"mail template for {kind!r} did not render a subject line")
    subject = " ".join(head[len(SUBJECT_PREFIX) :].split())
    return subject, body.rstrip() + "\n"


def render_delivery(*, delivery: Delivery) -> RenderedMail:
    """Render a stored delivery, applying its kind's send-time hook if one is registered."""
    context: dict[str, Any] = dict(delivery.context)
    hook = _prepare_hooks.get(delivery.kind)
    if hook is not None:
        context.update(hook(delivery=delivery))
    return render_mail(kind=delivery.kind, language=delivery.language, context=context)
