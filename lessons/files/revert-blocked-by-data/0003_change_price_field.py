from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("store", "0002_add_price_to_product"),
    ]

    operations = [
        migrations.AlterField(
            model_name="product",
            name="price",
            field=models.DecimalField(decimal_places=2, max_digits=6, null=True),
        ),
    ]
