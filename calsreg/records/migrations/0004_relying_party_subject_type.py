"""Audit rows about relying parties were filed under "application", the name of our applications'
model too (calsreg/core/subjects.py): file them under django-oauth-toolkit's app label instead."""

from django.db import migrations


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("records", "AuditEvent")
    AuditEvent.objects.filter(subject_type="application", action__startswith="sso.").update(
        subject_type="oauth2_provider.application"
    )


def backwards(apps, schema_editor):
    AuditEvent = apps.get_model("records", "AuditEvent")
    AuditEvent.objects.filter(subject_type="oauth2_provider.application").update(subject_type="application")


class Migration(migrations.Migration):
    dependencies = [("records", "0003_evidence_purged_at")]

    operations = [migrations.RunPython(forwards, backwards)]
