"""The folded search text of each project and, on PostgreSQL, a GIN index on its bigrams
(core.text_search; the function comes from applications' 0006)."""

from typing import Any

from django.db import migrations

import calsreg.core.text_search
from calsreg.core.text_search import bigram_index_sql, search_text_rebuild

INDEX = "project_search_bigrams"


def fill(apps: Any, schema_editor: Any) -> None:
    search_text_rebuild(apps.get_model("accounts", "Project").objects.all())


def index_create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(bigram_index_sql(table="accounts_project", column="search_text", name=INDEX))


def index_drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX};")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_project_suspension_causes"),
        ("applications", "0006_search_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="search_text",
            field=calsreg.core.text_search.SearchTextField(sources=("project_number", "name")),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(index_create, index_drop),
    ]
