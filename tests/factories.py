"""factory_boy factories for the customer database.

Every customer a factory makes passes the model's own validation (it is
``full_clean``-ed before it is saved), so a test that needs an invalid record
has to say so by bypassing validation on purpose.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.utils import timezone
from factory.django import DjangoModelFactory

from customers.models import (
    AttributeDefinition,
    AttributeType,
    Customer,
    CustomerKind,
    IncomeBand,
    Interest,
    LifecycleStage,
    Lifestyle,
    Order,
    OrderChannel,
    OrderLine,
    ValuesOrientation,
)
from mis.roles import ROLE_PERMISSIONS, roles_sync

PASSWORD = "a long and unguessable test password"


def ensure_role(name: str) -> str:
    """Make sure the role group holds what the role table says.

    ``migrate`` synced it, and every flush between transactional tests syncs it
    again (flush sends post_migrate); a test that changed a group by hand is put
    right here."""
    group = Group.objects.filter(name=name).first()
    if group is None or group.permissions.count() != len(ROLE_PERMISSIONS[name]):
        roles_sync()
    return name


@functools.cache
def password_hash() -> str:
    """PASSWORD, hashed once per run: the real hasher takes a fair part of a
    second, which would be paid for every user a test makes."""
    return make_password(PASSWORD)


# Real, valid shapes of GB postcodes (Royal Mail format).
GB_POSTCODES = ("SW1A 1AA", "EC1A 1BB", "W1A 0AX", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT")


def uk_mobile(n: int) -> str:
    """A valid UK mobile number in E.164 (the 07911 1xxxxx range; Ofcom's drama
    numbers 07700 900xxx are refused by phonenumbers)."""
    return f"+4479111{n % 100_000:05d}"


class UserFactory(DjangoModelFactory[User]):
    """A user; ``roles=[...]`` puts them in the named role groups."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.LazyFunction(password_hash)

    @factory.post_generation
    def roles(self, create: bool, extracted, **kwargs) -> None:
        if not create or not extracted:
            return
        groups = list(Group.objects.filter(name__in=extracted))
        missing = set(extracted) - {group.name for group in groups}
        if missing:
            raise ValueError(f"No such role group: {sorted(missing)}")
        self.groups.add(*groups)


class CustomerFactory(DjangoModelFactory[Customer]):
    """A valid person in the UK with every data component filled in.
    ``interests=["cycling", ...]`` sets interest tags."""

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    kind = CustomerKind.PERSON
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    external_id = factory.Sequence(lambda n: f"EXT-{n:06d}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = factory.Sequence(uk_mobile)
    address_line1 = factory.Faker("street_address", locale="en_GB")
    city = "London"
    region = "Greater London"
    postcode = factory.Iterator(GB_POSTCODES)
    country = "GB"
    date_of_birth = factory.Faker("date_of_birth", minimum_age=18, maximum_age=90)
    occupation = "Engineer"
    income_band = IncomeBand.FROM_40K
    household_size = 2
    lifestyle = Lifestyle.URBAN_PROFESSIONAL
    values = ValuesOrientation.QUALITY
    lifecycle_stage = LifecycleStage.CUSTOMER
    source = "factory"

    class Params:
        organisation = factory.Trait(
            kind=CustomerKind.ORGANISATION,
            organisation_name=factory.Faker("company", locale="en_GB"),
            first_name="",
            last_name="",
            date_of_birth=None,
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        customer = model_class(*args, **kwargs)
        customer.full_clean()
        customer.save()
        return customer

    @factory.post_generation
    def interests(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.interests.set([Interest.objects.get_or_create(name=name)[0] for name in extracted])


class OrderLineFactory(DjangoModelFactory[OrderLine]):
    class Meta:
        model = OrderLine

    order = None
    product_category = factory.Iterator(["books", "garden", "kitchen", "toys"])
    quantity = 1
    amount = Decimal("10.00")


class OrderFactory(DjangoModelFactory[Order]):
    """An order with lines (two by default, or ``lines=[{...}, ...]``); the total
    is the sum of the lines, as order_create keeps it."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    source = "factory"
    external_id = factory.Sequence(lambda n: f"ORD-{n:06d}")
    ordered_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3))
    currency = "GBP"
    channel = OrderChannel.ONLINE

    @factory.post_generation
    def lines(self, create: bool, extracted, **kwargs) -> None:
        if not create:
            return
        specs = extracted if extracted is not None else [{}, {}]
        made = [OrderLineFactory(order=self, **spec) for spec in specs]
        self.total_amount = sum((line.amount for line in made), Decimal("0.00"))
        self.save(update_fields=["total_amount"])


class AttributeDefinitionFactory(DjangoModelFactory[AttributeDefinition]):
    class Meta:
        model = AttributeDefinition
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"attribute_{n}")
    label = factory.LazyAttribute(lambda d: d.name.replace("_", " ").capitalize())
    data_type = AttributeType.TEXT
    allowed_values = factory.LazyAttribute(
        lambda d: ["bronze", "silver", "gold"] if d.data_type == AttributeType.CHOICE else []
    )
