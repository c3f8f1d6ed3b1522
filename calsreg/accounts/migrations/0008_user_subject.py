"""Each account's ``sub``: the one identifier services see. Accounts that signed in somewhere keep
the ``sub`` the provider gave them (``sso.Subject``), so no relying party loses its users."""

import uuid

from django.db import migrations, models


def subjects_fill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Subject = apps.get_model("sso", "Subject")
    kept = dict(Subject.objects.values_list("user_id", "sub"))
    users = list(User.objects.only("pk"))
    for user in users:
        user.subject = kept.get(user.pk) or uuid.uuid4()
    User.objects.bulk_update(users, ["subject"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0007_login_address_lock"),
        ("sso", "0002_backchannel_logout"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="subject",
            field=models.UUIDField(editable=False, null=True, verbose_name="識別子（sub）"),
        ),
        migrations.RunPython(subjects_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="subject",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="識別子（sub）"),
        ),
    ]
