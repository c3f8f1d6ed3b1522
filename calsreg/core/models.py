from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from calsreg.core.text import text_refusal


class TimeStampedModel(models.Model):
    """Base of every domain model: when the row was created and last changed (UTC stored)."""

    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Any = None) -> None:
        """Django's field checks, and the one text cleaner (``core.text``) on every text field, so a
        model form (the admin's included) refuses what every other channel refuses. A ``TextField``
        is multi-line; a ``CharField`` is one line."""
        errors: dict[str, Any] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if (exclude and field.name in exclude) or field.name in errors:
                continue
            if not isinstance(field, (models.CharField, models.TextField)):
                continue
            # A value the model derives from checked fields (a search text joins them with a
            # separator that is a control character on purpose): not input, so not refused.
            if getattr(field, "derived_from_checked_fields", False):
                continue
            value = getattr(self, field.attname)
            multiline = isinstance(field, models.TextField)
            if not isinstance(value, str):
                continue
            refusal = text_refusal(value, label=str(field.verbose_name), multiline=multiline)
            if refusal is not None:
                errors[field.name] = [ValidationError(refusal, code="refused_character")]
        if errors:
            raise ValidationError(errors)
