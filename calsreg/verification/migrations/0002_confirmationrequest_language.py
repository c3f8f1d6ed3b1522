from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("verification", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="confirmationrequest",
            name="language",
            field=models.CharField(default="ja", max_length=8, verbose_name="メールの言語"),
        ),
    ]
