"""Store each invoice's paid amount and payer key (read by receivables and payment matching), and fill
them for existing rows: the paid amount from the allocations and fee credits, the payer key from the
kana frozen on the invoice — or, for rows older than that field, the application's."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from calsreg.billing.zengin.names import normalise_payer_name


def _sum(queryset, *, link, column, negate=False):
    total = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(sum=-Sum(column) if negate else Sum(column))
        .values("sum")
    )
    return Coalesce(Subquery(total), Value(0), output_field=models.BigIntegerField())


def fill(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    PaymentAllocation = apps.get_model("billing", "PaymentAllocation")
    credits = Invoice.objects.filter(kind="fee_credit").exclude(status="void")
    Invoice.objects.update(
        amount_paid=_sum(PaymentAllocation.objects.all(), link="invoice", column="amount")
        + _sum(credits, link="adjusted_invoice", column="total", negate=True)
    )
    rows = Invoice.objects.values_list("pk", "payer_kana", "project__application__contractor_kana")
    keys: dict[str, list[int]] = {}
    for pk, kana, contractor_kana in rows.iterator(chunk_size=2000):
        key = normalise_payer_name(kana or contractor_kana or "")[:100]
        if key:
            keys.setdefault(key, []).append(pk)
    for key, ids in keys.items():
        for start in range(0, len(ids), 900):
            Invoice.objects.filter(pk__in=ids[start : start + 900]).update(payer_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_billing_run_lease_one_per_month"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="amount_paid",
            field=models.BigIntegerField(default=0, verbose_name="入金済み（円）"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="payer_key",
            field=models.CharField(blank=True, db_index=True, max_length=100, verbose_name="振込依頼人名（照合用）"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
