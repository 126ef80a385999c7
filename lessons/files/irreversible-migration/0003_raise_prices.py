from decimal import Decimal

from django.db import migrations


def raise_prices(apps, schema_editor):
    """Raise every price by 1.00"""
    Product = apps.get_model("store", "Product")
    for product in Product.objects.all():
        product.price += Decimal("1.00")
        product.save()


class Migration(migrations.Migration):

    dependencies = [
        ("store", "0002_add_price_to_product"),
    ]

    operations = [
        migrations.RunPython(raise_prices),
    ]
