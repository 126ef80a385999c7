from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("store", "0003_change_price_field"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="discount",
            field=models.IntegerField(default=0),
        ),
        # Every product must have a price again.
        migrations.AlterField(
            model_name="product",
            name="price",
            field=models.DecimalField(decimal_places=2, max_digits=6),
        ),
    ]
