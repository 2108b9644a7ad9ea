"""Every route that shows a customer's data writes to the access log.

The test builds one person whose data reaches every place the application
keeps it (record, history, orders, consent, quality issue, import error row,
duplicate pair, merge, segment snapshot, data-subject package), then walks
every URL pattern of the project, admin included, as a superuser, with every
plausible value for its parameters. A response that shows the person's data
(its body, or the files inside a zip or XLSX download) and added no row to the
access log is a failure, named in the message.

The figure "unlogged personal-data views" in the README is the number this
test reports: ``pytest tests/governance/test_every_read_logged.py -q -s``.
"""

from __future__ import annotations

import io
import itertools
import re
import uuid
import zipfile

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from customers import services as customer_services
from customers.duplicates.services.merge import customers_merge
from customers.models import (
    CandidateStatus,
    DuplicateCandidate,
    ImportJob,
    ImportRowError,
    MatchDecision,
    MatchModel,
    QualityIssue,
)
from customers.segments.services import segment_create, snapshot_take
from governance import services
from governance.models import AccessLog
from governance.services import requests as dsr
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

SURNAME = "Quillfeatherby"
# What shows that a response carries the person's data.
MARKERS = (SURNAME.encode(), b"quillfeatherby@example.org", b"7911 165999", b"7911165999")


def _person(first: str, email: str, actor):
    return customer_services.customer_create(
        data={
            "first_name": first,
            "last_name": SURNAME,
            "email": email,
            "phone": "+447911165999" if first == "Zephyrine" else "",
            "address_line1": "1 Quill Lane",
            "city": "London",
            "postcode": "SW1A 1AA",
            "interests": ["falconry"],
        },
        source="web form",
        actor=actor,
    )


@pytest.fixture
def world(db):
    """One person everywhere, and the ids and public ids to try in URLs."""
    actor = UserFactory(username="root", is_superuser=True, is_staff=True)
    zeph = _person("Zephyrine", "zephyrine.quillfeatherby@example.org", actor)
    customer_services.customer_update(
        customer=zeph, data={"occupation": "Falconer"}, source="web form", actor=actor
    )
    twin = _person("Zefirine", "zef.quillfeatherby@example.org", actor)
    other = _person("Zeph", "z.quillfeatherby@example.org", actor)
    order = OrderFactory(customer=zeph)
    consent = services.consent_grant(
        customer=zeph,
        purpose="email_marketing",
        channel="email",
        capture_method="web_form",
        source="sign-up",
        wording_version="v1",
    )
    QualityIssue.objects.create(
        customer=zeph,
        field="email",
        code="suspect",
        message="Looks odd",
        raw_value="zephyrine.quillfeatherby@example.org",
        detected_by="test",
    )
    job = ImportJob.objects.create(
        kind="customers", file="imports/old.csv", original_name="old.csv", source="old file"
    )
    ImportRowError.objects.create(
        job=job, row_number=2, raw=["Zoe", SURNAME, "not-an-email"], reasons="bad email"
    )
    match_model = MatchModel.objects.create(
        version=1,
        splink_settings={"comparisons": []},
        duplicate_threshold=0.99,
        possible_threshold=0.8,
    )
    candidate = DuplicateCandidate.objects.create(
        customer_a=zeph,
        customer_b=other,
        match_probability=0.9,
        match_weight=5,
        decision=MatchDecision.POSSIBLE,
        match_model=match_model,
        status=CandidateStatus.PENDING,
    )
    merge = customers_merge(survivor=zeph, merged=twin, actor=actor)
    segment = segment_create(
        name="Quill Londoners",
        rules={"op": "and", "rules": [{"field": "city", "value": ["London"]}]},
        actor=actor,
    )
    snapshot = snapshot_take(
        segment=segment, purpose="email_marketing", channel="email", actor=actor
    )
    request = dsr.dsr_register(customer=zeph, kind="access", received_via="email")
    request = dsr.dsr_identity_check(request=request, verified=True, method="passport", actor=actor)
    request = dsr.dsr_fulfil(request=request, actor=actor)
    objects = [zeph, twin, other, order, consent, job, candidate, merge, segment, snapshot, request]
    return {
        "user": actor,
        "person_id": str(zeph.public_id).encode(),
        "uuids": [str(o.public_id) for o in objects if hasattr(o, "public_id")],
        "ints": sorted({o.pk for o in objects} | {zeph.pk, twin.pk, other.pk}),
    }


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _urls(route: str, world: dict) -> list[str]:
    """Every way to fill the route's parameters from the world's ids."""
    if "(?P<format>" in route or ".*" in route:
        return []  # format-suffix twins of routes walked anyway; admin's catch-all
    # The API router's regex routes, as "<name>" parameters.
    route = _GROUP.sub(lambda m: f"<{m.group(1)}>", route).replace("^", "").replace("$", "")
    params = _PARAM.findall(route)
    if not params:
        return ["/" + route]
    pools = []
    for converter, _name in params:
        if converter == "uuid":
            pools.append(world["uuids"])
        elif converter == "int":
            pools.append([str(i) for i in world["ints"]])
        else:  # str / slug / path
            pools.append([*world["uuids"], *(str(i) for i in world["ints"])])
    urls = []
    for values in itertools.product(*pools):
        url = route
        for (converter, name), value in zip(params, values, strict=True):
            token = f"<{converter}:{name}>" if converter else f"<{name}>"
            url = url.replace(token, value, 1)
        urls.append("/" + url)
    return urls


def _admin_urls(world: dict) -> list[str]:
    """Admin's screens for every registered model: changelist, and the
    change, history and delete screens of each of its objects in the world."""
    urls = ["/admin/"]
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls.append(base)
        for pk in model._default_manager.values_list("pk", flat=True)[:5]:
            urls += [f"{base}{pk}/change/", f"{base}{pk}/history/", f"{base}{pk}/delete/"]
    return urls


def _body(response) -> bytes:
    content = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if content.startswith(b"PK"):  # a zip (a data-subject package, an XLSX file)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = b"".join(archive.read(name) for name in archive.namelist())
    return content


def _shows_the_person(content: bytes, world: dict, url: str) -> bool:
    # The person's id counts too (an order or a consent listed under it is
    # their data even where their name is not shown), unless the page only
    # echoes it from its own address.
    markers = [*MARKERS]
    if world["person_id"].decode() not in url:
        markers.append(world["person_id"])
    return any(marker in content for marker in markers)


def test_every_view_that_shows_customer_data_logs_it(world):
    # A crash is another test's business; here it shows nothing.
    client = Client(raise_request_exception=False)
    client.force_login(world["user"])
    routes = [route for route, _ in _patterns(get_resolver())]
    urls = {
        url for route in routes if not route.startswith("admin/") for url in _urls(route, world)
    }
    urls |= set(_admin_urls(world))

    showing, unlogged, crashed = [], [], []
    for url in sorted(urls):
        before = AccessLog.objects.count()
        response = client.get(url)
        if response.status_code >= 500:
            crashed.append(url)
        if response.status_code != 200:
            continue
        if not _shows_the_person(_body(response), world, url):
            continue
        showing.append(url)
        if AccessLog.objects.count() == before:
            unlogged.append(url)

    print(
        f"\n{len(urls)} URLs tried, {len(showing)} show personal data, "
        f"{len(unlogged)} unlogged; {len(crashed)} crashed: {crashed}"
    )
    assert unlogged == [], "Views that show customer data and log nothing:\n" + "\n".join(unlogged)
    # The walk reaches the faces the log must cover (so that it cannot pass by
    # reaching nothing).
    expected = [
        "/customers/",
        "/admin/customers/customer/",
        "/api/v1/customers/",
        "/api/v1/orders/",
    ]
    assert [url for url in expected if url not in showing] == []
    assert any(re.fullmatch(r"/admin/customers/customer/\d+/history/", u) for u in showing)
    assert any(re.fullmatch(r"/admin/customers/importjob/\d+/change/", u) for u in showing)


def test_a_read_that_shows_nothing_is_not_logged(world):
    client = Client()
    client.force_login(world["user"])
    before = AccessLog.objects.count()

    assert client.get(f"/customers/{uuid.uuid4()}/").status_code == 404
    assert client.get("/imports/").status_code == 200

    assert AccessLog.objects.count() == before
