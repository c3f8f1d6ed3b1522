"""How audit rows, evidence, deliveries and staff notices name what they are about.

They point at any model by a (``subject_type``, ``subject_id``) pair rather than a foreign key, so
one table serves every app. calsreg's own model names are unique among its apps, so the bare model
name is enough for them and keeps the rows readable; a model from another package is named with its
app label, because django-oauth-toolkit's ``Application`` (a relying party) would otherwise be filed
under "application" with our applications, and a relying party's rows would show on the timeline of
the application that happens to share its id.
"""

from __future__ import annotations

from django.db import models


def subject_type_of(subject: models.Model | type[models.Model]) -> str:
    meta = subject._meta
    if meta.app_config is not None and meta.app_config.name.startswith("calsreg."):
        return meta.model_name or ""
    return meta.label_lower
