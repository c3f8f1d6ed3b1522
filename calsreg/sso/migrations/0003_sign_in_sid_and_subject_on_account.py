"""The ``sub`` moved to the account (``accounts.User.subject``, filled from ``Subject`` first); each
sign-in gets the ``sid`` its ID token and logout tokens carry; a logout is written once per event
and sign-in."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def sids_fill(apps, schema_editor):
    SignIn = apps.get_model("sso", "SignIn")
    rows = list(SignIn.objects.only("pk"))
    for row in rows:
        row.sid = uuid.uuid4()
    SignIn.objects.bulk_update(rows, ["sid"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0008_user_subject"),
        ("events", "0002_sessions_ended_event"),
        ("sso", "0002_backchannel_logout"),
    ]

    operations = [
        migrations.DeleteModel(name="Subject"),
        migrations.AddField(
            model_name="signin",
            name="sid",
            field=models.UUIDField(editable=False, null=True, verbose_name="セッションID（sid）"),
        ),
        migrations.RunPython(sids_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="signin",
            name="sid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="セッションID（sid）"
            ),
        ),
        migrations.RemoveConstraint(model_name="logoutdelivery", name="sso_logout_once"),
        migrations.AddField(
            model_name="logoutdelivery",
            name="sign_in",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="logouts",
                to="sso.signin",
            ),
        ),
        migrations.AddField(
            model_name="logoutdelivery",
            name="sid",
            field=models.UUIDField(blank=True, null=True, verbose_name="セッションID（sid）"),
        ),
        migrations.AddConstraint(
            model_name="logoutdelivery",
            constraint=models.UniqueConstraint(fields=("event", "sign_in"), name="sso_logout_once_per_sign_in"),
        ),
    ]
