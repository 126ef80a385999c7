from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("store", "0003_change_price_field"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="stock",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
