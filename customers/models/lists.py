"""What people keep of the customer list: their saved views (filters, sort,
columns) and static lists of customers picked by hand or in bulk."""

import uuid

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    """One person's named way of looking at the customer list: the list's
    query string (filters, sort and columns), replayed when chosen."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.name


class StaticList(models.Model):
    """A fixed set of customers (a guest list, a call list): members stay
    until they are taken off, unlike a segment's, which follow its rules."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        "customers.Customer", through="StaticListMember", related_name="static_lists"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaticListMember(models.Model):
    static_list = models.ForeignKey(StaticList, on_delete=models.CASCADE)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["static_list", "customer"], name="static_list_member_once"
            )
        ]
        indexes = [models.Index(fields=["customer"], name="static_list_member_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} on {self.static_list_id}"
