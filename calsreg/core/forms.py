"""The one text cleaner (``core.text``) on Django forms: the desk's, my page's and the portal's.

``TextCheckedForm`` is mixed into every form class; each text field then refuses what ``core.text``
refuses, with the same message naming the field. A field shown as a ``Textarea`` is multi-line
(tab and line breaks allowed); every other text field is one line. Password inputs are left alone:
a password is compared, never shown or stored as typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator

from calsreg.core.text import text_refusal


class TextValidator:
    """Refuses a value holding a character ``core.text`` refuses; ``label`` names the field."""

    def __init__(self, *, label: Any, multiline: bool = False) -> None:
        self.label = label
        self.multiline = multiline

    def __call__(self, value: Any) -> None:
        if not isinstance(value, str):
            return
        refusal = text_refusal(value, label=str(self.label), multiline=self.multiline)
        if refusal is not None:
            raise ValidationError(refusal, code="refused_character")


def text_validators_add(fields: dict[str, forms.Field]) -> None:
    """Give every text field of a form the cleaner (in place of Django's narrower NUL check)."""
    for name, field in fields.items():
        if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
            continue
        field.validators = [
            validator
            for validator in field.validators
            if not isinstance(validator, (ProhibitNullCharactersValidator, TextValidator))
        ]
        multiline = isinstance(field.widget, forms.Textarea)
        field.validators.append(TextValidator(label=field.label or name, multiline=multiline))


class TextCheckedForm:
    """Mixin for ``forms.Form`` (put it first): every text field refuses refused characters."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        text_validators_add(self.fields)
