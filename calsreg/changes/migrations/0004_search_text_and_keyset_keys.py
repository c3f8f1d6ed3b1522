"""The desk's change-request list: keyset-page keys for each order it offers, and the folded search
text with, on PostgreSQL, a GIN index on its bigrams (core.text_search; the function comes from
applications' 0006)."""

from typing import Any

from django.conf import settings
from django.db import migrations, models

import calsreg.core.text_search
from calsreg.core.text_search import bigram_index_sql, search_text_rebuild

INDEX = "change_search_bigrams"


def fill(apps: Any, schema_editor: Any) -> None:
    search_text_rebuild(apps.get_model("changes", "ChangeRequest").objects.all())


def index_create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            bigram_index_sql(table="changes_changerequest", column="search_text", name=INDEX)
        )


def index_drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX};")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_project_search_text"),
        ("applications", "0006_search_text"),
        ("changes", "0003_step_times"),
        ("records", "0004_relying_party_subject_type"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="changerequest",
            name="changes_cha_status_1dd5de_idx",
        ),
        migrations.AddField(
            model_name="changerequest",
            name="search_text",
            field=calsreg.core.text_search.SearchTextField(sources=("number", "requester_name")),
        ),
        migrations.AddIndex(
            model_name="changerequest",
            index=models.Index(fields=["submitted_at", "id"], name="change_received_key"),
        ),
        migrations.AddIndex(
            model_name="changerequest",
            index=models.Index(fields=["status", "submitted_at", "id"], name="change_status_received"),
        ),
        migrations.AddIndex(
            model_name="changerequest",
            index=models.Index(fields=["assigned_to", "submitted_at", "id"], name="change_assigned_received"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(index_create, index_drop),
    ]
