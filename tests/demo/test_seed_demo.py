"""The seed_demo command: synthetic customers, orders, known duplicates and
defects, the ground truth file and the demo log-ins."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from difflib import SequenceMatcher
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, DecimalField, Max, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework.authtoken.models import Token

from customers import validation
from customers.models import (
    Customer,
    CustomerFacts,
    CustomerKind,
    Interest,
    LifecycleStage,
    Order,
    OrderChannel,
    OrderLine,
)
from customers.segments.facts import facts_rebuild, facts_triggers
from customers.services import customer_create, order_create
from demo import reference, writer
from demo.users import DEMO_PASSWORD
from mis import roles

N = 300
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(tmp_path: Path, **options) -> tuple[str, list[dict[str, str]]]:
    """Run the command; return its output and the ground truth rows."""
    truth = tmp_path / "truth.csv"
    options = {"customers": N, "seed": 7, "no_users": True, "truth": truth, **options}
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    with truth.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return out.getvalue(), rows


def demo_customers():
    return Customer.objects.filter(source=writer.DEMO_SOURCE)


def by_external_id() -> dict[str, Customer]:
    return {c.external_id: c for c in demo_customers()}


def snapshot() -> list[tuple]:
    return list(
        demo_customers()
        .order_by("external_id")
        .values_list(
            "external_id",
            "kind",
            "first_name",
            "last_name",
            "organisation_name",
            "email",
            "phone",
            "address_line1",
            "postcode",
            "date_of_birth",
            "lifecycle_stage",
        )
    )


def order_snapshot() -> list[tuple]:
    return list(
        Order.objects.filter(source=writer.DEMO_SOURCE)
        .order_by("external_id")
        .values_list("external_id", "customer__external_id", "channel", "total_amount")
    )


@pytest.fixture
def seeded(db, tmp_path):
    """A demo set with more duplicates and defects than the defaults, so that
    every kind shows up in 300 records."""
    return seed(tmp_path, duplicate_rate=0.2, defect_rate=0.1)


# --------------------------------------------------------------------------
# Determinism and counts


@pytest.mark.django_db
def test_same_seed_gives_the_same_data_and_truth(tmp_path):
    seed(tmp_path)
    first, first_orders = snapshot(), order_snapshot()
    first_truth = (tmp_path / "truth.csv").read_text()

    seed(tmp_path, reset=True)

    assert snapshot() == first
    assert order_snapshot() == first_orders
    assert (tmp_path / "truth.csv").read_text() == first_truth


@pytest.mark.django_db
def test_another_seed_gives_other_people(tmp_path):
    seed(tmp_path)
    first = {(c[2], c[3], c[5]) for c in snapshot()}
    seed(tmp_path, seed=8, reset=True)
    second = {(c[2], c[3], c[5]) for c in snapshot()}
    assert len(first & second) < N // 10


@pytest.mark.django_db
def test_counts_and_summary_match_the_default_options(tmp_path):
    out, rows = seed(tmp_path)

    assert demo_customers().count() == N
    assert len(rows) == N
    assert {row["external_id"] for row in rows} == set(
        demo_customers().values_list("external_id", flat=True)
    )
    duplicates = [row for row in rows if row["duplicate_of"]]
    defective = [row for row in rows if row["defects"]]
    assert len(duplicates) == round(N * writer.DEFAULT_DUPLICATE_RATE)
    assert len(defective) == round(N * writer.DEFAULT_DEFECT_RATE)
    orders = Order.objects.filter(source=writer.DEMO_SOURCE).count()
    lines = OrderLine.objects.filter(order__source=writer.DEMO_SOURCE).count()
    assert orders > 0 and lines >= orders

    assert f"customers {N}/{N}" in out
    assert re.search(rf"duplicates\s+{len(duplicates)}\n", out)
    assert re.search(rf"defective records\s+{len(defective)}\n", out)
    assert re.search(rf"orders\s+{orders}\n", out)
    assert re.search(rf"order lines\s+{lines}\n", out)
    assert str(tmp_path / "truth.csv") in out


@pytest.mark.django_db
def test_zero_customers_writes_an_empty_truth_file(tmp_path):
    out, rows = seed(tmp_path, customers=0)
    assert rows == []
    assert (tmp_path / "truth.csv").read_text().strip() == ",".join(writer.TRUTH_COLUMNS)
    assert not demo_customers().exists()


@pytest.mark.django_db
def test_truth_file_defaults_to_the_var_directory(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", customers=20, no_users=True, stdout=io.StringIO())
    truth = tmp_path / "demo" / "ground_truth.csv"
    assert len(truth.read_text().splitlines()) == 21


@pytest.mark.django_db
def test_command_line_spelling_of_the_options(tmp_path):
    truth = tmp_path / "cli.csv"
    call_command(
        "seed_demo",
        "--customers=50",
        "--seed=3",
        "--duplicate-rate=0.1",
        "--defect-rate=0.2",
        "--max-orders=2",
        f"--truth={truth}",
        "--no-users",
        stdout=io.StringIO(),
    )
    rows = list(csv.DictReader(truth.read_text().splitlines()))
    assert len(rows) == 50
    assert sum(bool(row["duplicate_of"]) for row in rows) == 5
    assert sum(bool(row["defects"]) for row in rows) == 10
    most = (
        Customer.objects.filter(source=writer.DEMO_SOURCE)
        .annotate(n=Count("orders"))
        .aggregate(most=Max("n"))["most"]
    )
    assert most == 2


# --------------------------------------------------------------------------
# Realistic, valid records


@pytest.mark.django_db
def test_clean_records_pass_model_validation(seeded):
    _, rows = seeded
    customers = by_external_id()
    problems = {}
    for row in rows:
        if row["defects"]:
            continue
        customer = customers[row["external_id"]]
        try:
            customer.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            problems[row["external_id"]] = exc.message_dict
    assert problems == {}


@pytest.mark.django_db
def test_records_look_like_uk_customers(seeded):
    _, rows = seeded
    customers = list(demo_customers())
    people = [c for c in customers if c.kind == CustomerKind.PERSON]
    organisations = [c for c in customers if c.kind == CustomerKind.ORGANISATION]
    assert len(people) > 0.8 * N and organisations
    assert all(c.organisation_name for c in organisations)
    assert {str(c.country) for c in customers} == {"GB"}
    stages = {c.lifecycle_stage for c in customers}
    assert stages == set(LifecycleStage.values)
    assert len({c.city for c in customers}) > 15
    assert len({c.occupation for c in people}) > 50
    assert {c.income_band for c in people} >= {"under_20k", "20k_40k", "40k_60k", "60k_100k"}
    assert len({c.lifestyle for c in people}) >= 6
    assert len({c.values for c in customers}) >= 6

    clean = {row["external_id"] for row in rows if not row["defects"]}
    variations = {row["external_id"]: row["variation"] for row in rows}
    today = timezone.localdate()
    for c in people:
        if c.external_id not in clean:
            continue
        if c.date_of_birth:
            age = (today - c.date_of_birth).days / 365.25
            assert 18 <= age < 100, (c.external_id, c.date_of_birth)
        if c.phone and "phone_format" not in variations[c.external_id]:
            assert re.fullmatch(r"\+44\d{10}", c.phone), c.phone
        assert c.email or c.phone
    # Different people do not share an email address.
    emails = [
        customer.email
        for customer in customers
        if customer.email
        and customer.external_id in clean
        and not variations[customer.external_id]
        and customer.external_id not in {row["duplicate_of"] for row in rows if row["duplicate_of"]}
    ]
    assert len(emails) == len(set(emails))

    verified = [c.last_verified_at for c in customers if c.external_id in clean]
    never = sum(v is None for v in verified)
    assert 0 < never < len(verified) / 2
    three_years_ago = timezone.now() - timedelta(days=3 * 365 + 1)
    assert all(v >= three_years_ago for v in verified if v is not None)


@pytest.mark.django_db
def test_interests_come_from_a_small_vocabulary(seeded):
    assert Interest.objects.filter(name__in=reference.INTEREST_VOCABULARY).count() == 30
    counts = list(demo_customers().annotate(n=Count("interests")).values_list("n", flat=True))
    assert max(counts) <= 5
    assert 0 in counts
    assert sum(counts) > N


# --------------------------------------------------------------------------
# Duplicates


def _same(a: Customer, b: Customer, *fields: str) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in fields)


@pytest.mark.django_db
def test_duplicates_are_the_same_entity_with_the_variations_the_truth_names(seeded):
    _, rows = seeded
    truth = {row["external_id"]: row for row in rows}
    customers = by_external_id()
    duplicates = [row for row in rows if row["duplicate_of"]]
    assert len(duplicates) == round(N * 0.2)
    seen = set()
    for row in duplicates:
        original_row = truth[row["duplicate_of"]]
        assert original_row["duplicate_of"] == ""
        assert original_row["entity_id"] == row["entity_id"]
        assert original_row["external_id"] < row["external_id"]
        if row["defects"] or original_row["defects"]:
            continue  # defects overwrite values; compare the untouched pairs only
        dup, original = customers[row["external_id"]], customers[row["duplicate_of"]]
        variations = set(row["variation"].split(";"))
        seen |= variations
        assert dup.kind == original.kind

        names = ("first_name", "last_name", "organisation_name")
        if "exact" in variations:
            assert variations == {"exact"}
        if "nickname" in variations:
            assert dup.first_name in reference.NICKNAMES[original.first_name]
            assert dup.last_name == original.last_name
        elif "swapped_names" in variations:
            assert (dup.first_name, dup.last_name) == (original.last_name, original.first_name)
        elif "typo" in variations:
            assert not _same(dup, original, *names)
            spelled = f"{dup.first_name} {dup.last_name} {dup.organisation_name}"
            right = f"{original.first_name} {original.last_name} {original.organisation_name}"
            assert SequenceMatcher(None, spelled, right).ratio() > 0.8
        elif "org_suffix" in variations:
            assert dup.organisation_name != original.organisation_name
            assert dup.organisation_name.split()[0] == original.organisation_name.split()[0]
        else:
            assert _same(dup, original, *names)

        address = ("address_line1", "address_line2", "city", "region", "postcode")
        if "moved" in variations:
            assert dup.postcode != original.postcode
        else:
            assert _same(dup, original, *address)

        if "dob_swapped" in variations:
            dob = original.date_of_birth
            assert dup.date_of_birth == dob.replace(day=dob.month, month=dob.day)
        else:
            assert dup.date_of_birth == original.date_of_birth

        if "email_missing" in variations:
            assert original.email and not dup.email
        elif variations & {"email_typo", "email_changed"}:
            assert dup.email and dup.email != original.email
            validation.validate_email(dup.email)
        else:
            assert dup.email == original.email

        if "phone_missing" in variations:
            assert original.phone and not dup.phone
        elif "phone_format" in variations:
            assert dup.phone.startswith("0") and " " in dup.phone
            assert validation.normalise_phone(dup.phone) == original.phone
        else:
            assert dup.phone == original.phone
    # 60 duplicates are plenty to show every common kind of variation.
    assert seen >= {
        "typo",
        "nickname",
        "moved",
        "email_typo",
        "email_changed",
        "email_missing",
        "phone_format",
    }


# --------------------------------------------------------------------------
# Defects


def _broken(func, *args) -> bool:
    try:
        func(*args)
    except ValidationError:
        return True
    return False


@pytest.mark.django_db
def test_defects_are_really_there(seeded):
    _, rows = seeded
    customers = by_external_id()
    defective = [row for row in rows if row["defects"]]
    assert len(defective) == round(N * 0.1)
    kinds = set()
    now = timezone.now()
    for row in defective:
        customer = customers[row["external_id"]]
        for defect in row["defects"].split(";"):
            kinds.add(defect)
            field, _ = defect.split(":")
            if defect == "email:invalid_syntax":
                assert _broken(validation.validate_email, customer.email), customer.email
            elif defect == "postcode:invalid_format":
                assert _broken(validation.validate_postcode, customer.postcode, "GB")
            elif defect == "phone:invalid":
                assert _broken(validation.normalise_phone, customer.phone, "GB"), customer.phone
            elif field == "date_of_birth":
                assert _broken(validation.validate_date_of_birth, customer.date_of_birth)
            elif defect == "contact:missing":
                assert customer.email == "" and customer.phone == ""
            elif defect == "last_verified_at:stale":
                assert customer.last_verified_at < now - timedelta(days=5 * 365)
            else:
                pytest.fail(f"unexpected defect {defect}")
        # Bad values are stored as they came, so model validation fails on them
        # (missing contact points and staleness are quality issues, not invalid values).
        if set(row["defects"].split(";")) - {"contact:missing", "last_verified_at:stale"}:
            with pytest.raises(ValidationError):
                customer.full_clean(validate_unique=False, validate_constraints=False)
    assert kinds >= {
        "email:invalid_syntax",
        "postcode:invalid_format",
        "phone:invalid",
        "date_of_birth:implausible",
        "contact:missing",
        "last_verified_at:stale",
    }


# --------------------------------------------------------------------------
# Orders


@pytest.mark.django_db
def test_only_customers_and_lapsed_customers_have_orders(seeded):
    buyers = (LifecycleStage.CUSTOMER, LifecycleStage.LAPSED)
    with_orders = demo_customers().annotate(n=Count("orders"))
    assert not with_orders.exclude(lifecycle_stage__in=buyers).filter(n__gt=0).exists()
    assert not with_orders.filter(lifecycle_stage__in=buyers, n=0).exists()


@pytest.mark.django_db
def test_order_totals_are_the_sum_of_their_lines(seeded):
    line_sum = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    orders = Order.objects.filter(source=writer.DEMO_SOURCE).annotate(
        line_total=Coalesce(
            Subquery(line_sum, output_field=DecimalField()),
            Value(Decimal("-1")),
            output_field=DecimalField(),
        )
    )
    assert orders.exists()
    mismatched = [(o.external_id, o.total_amount, o.line_total) for o in orders]
    assert [m for m in mismatched if m[1] != m[2]] == []


@pytest.mark.django_db
def test_orders_are_plausible(seeded):
    now = timezone.now()
    orders = Order.objects.filter(source=writer.DEMO_SOURCE)
    assert set(orders.values_list("currency", flat=True)) == {"GBP"}
    assert set(orders.values_list("channel", flat=True)) <= set(OrderChannel.values)
    # Every channel a shop names; "unknown" is for imported files that name none.
    named = set(OrderChannel.values) - {OrderChannel.UNKNOWN}
    assert set(orders.values_list("channel", flat=True)) == named
    assert orders.values("external_id").distinct().count() == orders.count()
    assert not orders.filter(ordered_at__gt=now).exists()
    assert not orders.filter(ordered_at__lt=now - timedelta(days=3 * 366)).exists()
    lines = OrderLine.objects.filter(order__source=writer.DEMO_SOURCE)
    assert not lines.filter(quantity__lt=1).exists()
    assert not lines.filter(amount__lte=0).exists()
    assert lines.values("product_category").distinct().count() >= 10
    sizes = set(orders.annotate(n=Count("lines")).values_list("n", flat=True))
    assert 1 in sizes and max(sizes) <= 5


@pytest.mark.django_db
def test_lapsed_customers_have_no_recent_orders_and_customers_do(seeded):
    year_ago = timezone.now() - timedelta(days=365)
    last = demo_customers().annotate(last=Max("orders__ordered_at"))
    lapsed = last.filter(lifecycle_stage=LifecycleStage.LAPSED)
    current = last.filter(lifecycle_stage=LifecycleStage.CUSTOMER)
    assert lapsed.exists() and current.exists()
    assert not lapsed.filter(last__gte=year_ago).exists()
    assert not current.filter(last__lt=year_ago - timedelta(days=1)).exists()


@pytest.mark.django_db
def test_orders_peak_before_christmas(seeded):
    orders = Order.objects.filter(source=writer.DEMO_SOURCE)
    total = orders.count()
    per_month = {month: orders.filter(ordered_at__month=month).count() for month in range(1, 13)}
    # Evenly spread, November and December would hold a sixth of the orders.
    assert (per_month[11] + per_month[12]) / total > 0.2
    assert per_month[12] > per_month[2] * 1.5
    assert per_month[7] > per_month[2]


# --------------------------------------------------------------------------
# Existing demo data


@pytest.mark.django_db
def test_seeding_again_without_reset_fails_clearly(tmp_path):
    seed(tmp_path)
    orders = Order.objects.count()
    with pytest.raises(CommandError, match="--reset"):
        seed(tmp_path, seed=9)
    assert demo_customers().count() == N
    assert Order.objects.count() == orders


@pytest.mark.django_db
def test_reset_replaces_demo_data_and_keeps_everything_else(tmp_path):
    other = customer_create(
        data={"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
        source="crm",
    )
    order_create(
        customer=other,
        data={"ordered_at": timezone.now(), "channel": OrderChannel.ONLINE},
        lines=[{"product_category": "Books", "amount": Decimal("12.50")}],
        source="crm",
    )
    seed(tmp_path, customers=100)
    out, rows = seed(tmp_path, customers=N, seed=9, reset=True)

    assert "Deleted the previous demo set (100 customers)" in out
    assert demo_customers().count() == N
    assert {r["external_id"] for r in rows} == set(
        demo_customers().values_list("external_id", flat=True)
    )
    assert Customer.objects.filter(pk=other.pk).exists()
    assert Order.objects.filter(customer=other).count() == 1
    assert OrderLine.objects.filter(order__customer=other).count() == 1
    assert (
        not Order.objects.filter(source=writer.DEMO_SOURCE)
        .exclude(customer__source=writer.DEMO_SOURCE)
        .exists()
    )
    assert not Customer.interests.through.objects.filter(customer__isnull=True).exists()


@pytest.mark.django_db
def test_if_empty_leaves_existing_demo_data_alone(tmp_path):
    seed(tmp_path, customers=50)
    before = snapshot()
    out = io.StringIO()
    call_command("seed_demo", customers=N, seed=9, if_empty=True, no_users=True, stdout=out)
    assert "nothing seeded" in out.getvalue()
    assert snapshot() == before


# --------------------------------------------------------------------------
# Options


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"customers": -1}, "0 or more"),
        ({"duplicate_rate": 0.6}, "duplicate rate must be between 0 and 0.5"),
        ({"duplicate_rate": -0.01}, "duplicate rate"),
        ({"defect_rate": 0.51}, "defect rate must be between 0 and 0.5"),
        ({"max_orders": 0}, "1 or more"),
        ({"reset": True, "if_empty": True}, "not both"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(tmp_path, options, message):
    with pytest.raises(CommandError, match=message):
        seed(tmp_path, **options)
    assert not demo_customers().exists()
    assert not (tmp_path / "truth.csv").exists()


# --------------------------------------------------------------------------
# Demo users


EXPECTED_USERS = {
    "marketing": (roles.MARKETING_STAFF, False),
    "manager": (roles.MARKETING_MANAGER, True),
    "steward": (roles.DATA_STEWARD, True),
    "dpo": (roles.DATA_PROTECTION_LEAD, True),
    "integration": (roles.INTEGRATION, False),
}


@pytest.mark.django_db
def test_demo_users_one_per_role(tmp_path, settings, role_groups):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = FAST_HASHERS
    out, _ = seed(tmp_path, customers=10, no_users=False)

    users = get_user_model().objects.prefetch_related("groups")
    for username, (role, is_staff) in EXPECTED_USERS.items():
        user = users.get(username=username)
        assert [g.name for g in user.groups.all()] == [role]
        assert user.is_staff is is_staff
        assert not user.is_superuser
        assert user.check_password(DEMO_PASSWORD)
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(DEMO_PASSWORD)
    token = Token.objects.get(user__username="integration")
    assert DEMO_PASSWORD in out
    assert token.key in out
    for username in [*EXPECTED_USERS, "admin"]:
        assert username in out


@pytest.mark.django_db
def test_demo_users_are_idempotent_and_repaired(tmp_path, settings, role_groups):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = FAST_HASHERS
    seed(tmp_path, customers=0, no_users=False)
    manager = get_user_model().objects.get(username="manager")
    manager.set_password("something else")
    manager.is_staff = False
    manager.save()
    manager.groups.clear()
    key = Token.objects.get(user__username="integration").key

    seed(tmp_path, customers=0, no_users=False)

    assert get_user_model().objects.filter(username__in=[*EXPECTED_USERS, "admin"]).count() == 6
    manager.refresh_from_db()
    assert manager.check_password(DEMO_PASSWORD)
    assert manager.is_staff
    assert list(manager.groups.values_list("name", flat=True)) == [roles.MARKETING_MANAGER]
    assert Token.objects.filter(user__username="integration").get().key == key


@pytest.mark.django_db
def test_demo_users_are_refused_when_debug_is_off(tmp_path, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        seed(tmp_path, no_users=False)
    assert not get_user_model().objects.filter(username="manager").exists()
    assert not demo_customers().exists()  # refused before seeding anything


@pytest.mark.django_db
def test_force_creates_demo_users_with_debug_off(tmp_path, settings, role_groups):
    settings.DEBUG = False
    settings.PASSWORD_HASHERS = FAST_HASHERS
    seed(tmp_path, customers=5, no_users=False, force=True)
    assert get_user_model().objects.filter(username="admin", is_superuser=True).exists()


@pytest.mark.django_db
def test_no_users_seeds_with_debug_off(tmp_path, settings):
    settings.DEBUG = False
    seed(tmp_path, customers=5)
    assert demo_customers().count() == 5
    assert not get_user_model().objects.filter(username="manager").exists()


# --------------------------------------------------------------------------
# A whole load (large, PostgreSQL): triggers off, facts built once


def facts_rows() -> list[tuple]:
    fields = [f.attname for f in CustomerFacts._meta.concrete_fields]
    return sorted(CustomerFacts.objects.values_list(*fields))


# Committed for real: the load's settings (SET LOCAL) last until its own
# transaction ends, not a test's.
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a whole load is PostgreSQL's")
def test_a_whole_load_builds_the_facts_once_and_leaves_the_triggers_on(tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "WHOLE_LOAD_MIN", 1)  # 100 customers count as large

    seed(tmp_path, customers=100)

    loaded = facts_rows()
    assert len(loaded) == demo_customers().count() == 100
    assert facts_rebuild() == 100
    assert facts_rows() == loaded
    triggers = facts_triggers()
    assert len(triggers) == 12
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tgenabled FROM pg_trigger WHERE tgname = ANY(%s)",
            [[name for _, name in triggers]],
        )
        assert cursor.fetchall() == [("O",)]
    # And they work: a new order is in the buyer's facts at once.
    buyer = demo_customers().filter(lifecycle_stage=LifecycleStage.PROSPECT).first()
    order_create(
        customer=buyer,
        data={"ordered_at": timezone.now(), "channel": OrderChannel.ONLINE},
        lines=[{"product_category": "Books", "amount": Decimal("12.50")}],
        source="crm",
    )
    assert CustomerFacts.objects.get(customer=buyer).order_count == 1
