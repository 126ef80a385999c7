from django.db import models


class Order(models.Model):
    product = models.ForeignKey("store.Product", on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField(default=1)
