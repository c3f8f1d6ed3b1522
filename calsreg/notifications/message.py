"""The outgoing notice as a Django mail message that also knows its kept (secrets withheld) form."""

from __future__ import annotations

from typing import Any

from django.core.mail import EmailMessage


class NoticeMessage(EmailMessage):
    """A notice on its way out. Its body carries the send-time secrets (an initial password, a link
    with a token) for the recipient; ``kept_copy()`` is the same mail with them withheld, the only
    form a backend that keeps mail (the demo outbox) may store."""

    def __init__(self, *, kept_subject: str, kept_body: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kept_subject = kept_subject
        self.kept_body = kept_body

    def kept_copy(self) -> EmailMessage:
        kept = EmailMessage(
            subject=self.kept_subject,
            body=self.kept_body,
            from_email=self.from_email,
            to=list(self.to),
            cc=list(self.cc),
            bcc=list(self.bcc),
            reply_to=list(self.reply_to),
            headers=dict(self.extra_headers),
        )
        kept.encoding = self.encoding
        return kept


def kept_form(message: EmailMessage) -> EmailMessage:
    """What may be kept of ``message``: a notice's kept copy; any other mail (the system sends none
    today) as it is."""
    return message.kept_copy() if isinstance(message, NoticeMessage) else message
