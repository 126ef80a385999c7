from django.db import migrations, models


class Migration(migrations.Migration):

    # Runs each operation on its own, without one transaction around the migration.
    atomic = False

    dependencies = [
        ("store", "0002_add_price_to_product"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="discount",
            field=models.IntegerField(default=0),
        ),
        # 10 % off everything on sale.
        migrations.RunSQL(
            "UPDATE store_product SET discount = 10 WHERE on_sale = 1",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
