"""Reads from the customer database."""

from django.db.models import Prefetch, QuerySet

from customers.models import Customer, Order, OrderLine


def customer_list_queryset() -> QuerySet[Customer]:
    """Customers with what a list row or API item shows, in a fixed number of
    queries whatever the page size (the buying pattern by a join)."""
    return Customer.objects.select_related("metrics").prefetch_related("interests")


def customer_table_queryset() -> QuerySet[Customer]:
    """Customers for the list page, which shows no interests, and their
    quality score (its own table) by a join."""
    return Customer.objects.select_related("quality")


def customer_get(public_id) -> Customer:
    return customer_list_queryset().get(public_id=public_id)


def order_list_queryset() -> QuerySet[Order]:
    return Order.objects.select_related("customer").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("pk"))
    )


def customer_orders(customer: Customer, limit: int = 50) -> list[Order]:
    return list(order_list_queryset().filter(customer=customer).order_by("-ordered_at")[:limit])


def customer_export_queryset() -> QuerySet[Customer]:
    """Customers for an export, which reads their interests and orders itself,
    a chunk at a time (customers.exports)."""
    return Customer.objects.all()


PICK_LIMIT = 10


def customer_pick_matches(term: str, *, limit: int = PICK_LIMIT) -> list[Customer]:
    """Customers a person may mean by ``term``: a name, an e-mail, a phone or
    postcode (the search column and its trigram index), or an external id
    (its own index). Archived records are included (a data-subject request may
    be about one); merged ones lead to their survivor and are left out."""
    from django.db.models import Q

    term = " ".join((term or "").split())
    if len(term) < 2:
        return []
    return list(
        Customer.objects.filter(
            Q(search_text__contains=term.upper()) | Q(external_id=term),
            merged_into__isnull=True,
        )
        .exclude(source="erased")
        .order_by("last_name", "first_name", "pk")[:limit]
    )
