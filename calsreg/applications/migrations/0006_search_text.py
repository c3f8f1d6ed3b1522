"""The desk's free-text filter: the folded search text of each application and, on PostgreSQL, a GIN
index on its bigrams (core.text_search; docs/decisions/0004-japanese-substring-search.md)."""

from typing import Any

from django.db import migrations

import calsreg.core.text_search
from calsreg.core.text_search import (
    BIGRAMS_FUNCTION_DROP_SQL,
    BIGRAMS_FUNCTION_SQL,
    bigram_index_sql,
    search_text_rebuild,
)

INDEX = "application_search_bigrams"


def fill(apps: Any, schema_editor: Any) -> None:
    search_text_rebuild(apps.get_model("applications", "Application").objects.all())


def index_create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(BIGRAMS_FUNCTION_SQL)
    schema_editor.execute(
        bigram_index_sql(table="applications_application", column="search_text", name=INDEX)
    )


def index_drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX};")
    schema_editor.execute(BIGRAMS_FUNCTION_DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0005_search_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="search_text",
            field=calsreg.core.text_search.SearchTextField(
                sources=("receipt_number", "project_number", "project_name", "contractor_name")
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(index_create, index_drop),
    ]
