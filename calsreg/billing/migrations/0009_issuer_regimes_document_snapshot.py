"""The issuer split into seller (ASP), billing agent and regime, each with dates of validity; the
agent's registration number becomes optional (代理交付 needs only the seller's); and every issued
invoice gets the snapshot of what it prints (``Invoice.document_snapshot``), from which every later
copy is drawn.

Invoices issued before this migration kept only their own columns (number, dates, recipient,
amounts, lines) and the agent's snapshot. Their document snapshot is built from those **and from the
live project as it is when this migration runs** (project number, name, office, period, contractor):
if a project's period changed after its invoice was issued, a reissue of that invoice shows the
period as it is now, not as billed — the original PDF kept since issue is the record of what was
billed. Their regime is recorded as the 媒介者交付特例 with no seller, because that is what their
PDFs printed (the agent's name and registration number only).
"""

import datetime

from django.db import migrations, models

import calsreg.billing.registration_number


def _iso(day):
    return day.isoformat() if day else None


def snapshot_issued(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    InvoiceLine = apps.get_model("billing", "InvoiceLine")
    issued = (
        Invoice.objects.filter(number__isnull=False, document_snapshot={})
        .select_related("project__office", "credited_invoice", "adjusted_invoice")
        .order_by("pk")
    )
    for invoice in issued.iterator(chunk_size=500):
        project = invoice.project
        credited, adjusted = invoice.credited_invoice, invoice.adjusted_invoice
        lines = InvoiceLine.objects.filter(invoice=invoice).order_by("position")
        invoice.document_snapshot = {
            "kind": invoice.kind,
            "number": invoice.number,
            "issue_date": _iso(invoice.issue_date),
            "customer_code": invoice.customer_code,
            "recipient_postcode": invoice.billing_postcode,
            "recipient_address": invoice.billing_address,
            "recipient_name": invoice.billing_addressee,
            "recipient_department": invoice.billing_department,
            "honorific": invoice.honorific,
            "issuer": dict(invoice.issuer_snapshot),
            "transaction_date": _iso(invoice.transaction_date),
            "contractor_name": project.contractor_name,
            "project_number": project.project_number,
            "project_name": project.name,
            "office_name": project.office.name,
            "period_start": _iso(project.period_start),
            "period_end": _iso(project.period_end),
            "lines": [
                {
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit": line.unit,
                    "unit_price": line.unit_price,
                    "amount": line.amount,
                    "tax_rate_percent": line.tax_rate_percent,
                }
                for line in lines
            ],
            "tax_parts": [
                {"rate": p["rate"], "taxable": p["taxable"], "tax": p["tax"]} for p in invoice.tax_breakdown
            ],
            "subtotal": invoice.subtotal,
            "tax": invoice.tax,
            "total": invoice.total,
            "due_on": _iso(invoice.printed_due_on),
            "credited_number": (credited.number or "") if credited else "",
            "credited_issue_date": _iso(credited.issue_date) if credited else None,
            "adjusted_number": (adjusted.number or "") if adjusted else "",
            "adjusted_issue_date": _iso(adjusted.issue_date) if adjusted else None,
            "regime": "intermediary",
            "seller": {},
            "extra": {},
        }
        invoice.save(update_fields=["document_snapshot"])


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0008_invoice_amount_paid_payer_key'),
    ]

    operations = [
        migrations.CreateModel(
            name='IssuingArrangement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='作成日時')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新日時')),
                ('valid_from', models.DateField(default=datetime.date(2023, 10, 1), verbose_name='適用開始日')),
                ('valid_until', models.DateField(blank=True, null=True, verbose_name='適用終了日')),
                ('regime', models.CharField(choices=[('agent_delivery', '代理交付（売手の名称・登録番号を記載）'), ('intermediary', '媒介者交付特例（請求代行会社の名称・登録番号を記載）')], max_length=16, verbose_name='交付方式')),
                ('seller_notified_on', models.DateField(blank=True, help_text='媒介者交付特例では必須です（適用開始日以前の日付）。', null=True, verbose_name='売手から登録の通知を受けた日')),
            ],
            options={
                'verbose_name': '適格請求書の交付方式',
                'verbose_name_plural': '適格請求書の交付方式',
                'ordering': ['-valid_from'],
            },
        ),
        migrations.CreateModel(
            name='Seller',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='作成日時')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新日時')),
                ('valid_from', models.DateField(default=datetime.date(2023, 10, 1), verbose_name='適用開始日')),
                ('valid_until', models.DateField(blank=True, null=True, verbose_name='適用終了日')),
                ('name', models.CharField(max_length=100, verbose_name='売手（ASP事業者）名')),
                ('registration_number', models.CharField(max_length=14, validators=[calsreg.billing.registration_number.validate_registration_number], verbose_name='登録番号（適格請求書発行事業者）')),
                ('postcode', models.CharField(max_length=8, verbose_name='郵便番号')),
                ('address', models.CharField(max_length=200, verbose_name='住所')),
            ],
            options={
                'verbose_name': '売手（ASP事業者）',
                'verbose_name_plural': '売手（ASP事業者）',
                'ordering': ['-valid_from'],
            },
        ),
        migrations.AlterModelOptions(
            name='issuer',
            options={'verbose_name': '請求代行会社', 'verbose_name_plural': '請求代行会社'},
        ),
        migrations.RemoveConstraint(
            model_name='issuer',
            name='issuer_one_active',
        ),
        migrations.RemoveConstraint(
            model_name='issuer',
            name='issuer_registration_number_shape',
        ),
        migrations.AddField(
            model_name='invoice',
            name='document_snapshot',
            field=models.JSONField(blank=True, default=dict, verbose_name='記載事項（発行時）'),
        ),
        migrations.AddField(
            model_name='issuer',
            name='valid_from',
            field=models.DateField(default=datetime.date(2023, 10, 1), verbose_name='適用開始日'),
        ),
        migrations.AddField(
            model_name='issuer',
            name='valid_until',
            field=models.DateField(blank=True, null=True, verbose_name='適用終了日'),
        ),
        migrations.AlterField(
            model_name='issuer',
            name='name',
            field=models.CharField(max_length=100, verbose_name='請求代行会社名'),
        ),
        migrations.AlterField(
            model_name='issuer',
            name='registration_number',
            field=models.CharField(blank=True, help_text='媒介者交付特例では必須です。代理交付では登録がなければ空欄にしてください。', max_length=14, validators=[calsreg.billing.registration_number.validate_registration_number], verbose_name='登録番号（適格請求書発行事業者）'),
        ),
        migrations.AddConstraint(
            model_name='issuer',
            constraint=models.CheckConstraint(condition=models.Q(('registration_number', ''), ('registration_number__regex', '^T[0-9]{13}$'), _connector='OR'), name='issuer_registration_number_shape'),
        ),
        migrations.AddConstraint(
            model_name='seller',
            constraint=models.CheckConstraint(condition=models.Q(('registration_number__regex', '^T[0-9]{13}$')), name='seller_registration_number_shape'),
        ),
        migrations.RunPython(snapshot_issued, migrations.RunPython.noop),
]
