from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=100)
    cost = models.DecimalField(max_digits=6, decimal_places=2, default=0.00, null=True)
