"""The consent CSV import (``import_consents``)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from governance.models import Consent
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HEADER = "customer_external_id,email,purpose,channel,status,occurred_at,method,wording_version\n"


def _file(tmp_path, text, name="consents.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_it_records_every_good_row_and_reports_each_bad_one(tmp_path, capsys):
    ada = CustomerFactory(external_id="C-1", email="ada@example.com")
    bob = CustomerFactory(external_id="C-2", email="bob@example.com")
    path = _file(
        tmp_path,
        HEADER
        + "C-1,,email_marketing,email,granted,2026-01-05T10:00:00Z,web_form,v3\n"
        + ",BOB@example.com,sms_marketing,sms,granted,2026-01-06,paper_form,v1\n"
        + "C-9,,email_marketing,email,granted,2026-01-05,web_form,v3\n"
        + "C-2,,email_marketing,post,granted,not a date,fax,\n",
    )

    with pytest.raises(CommandError, match="2 rows were rejected"):
        call_command("import_consents", path)

    events = {(e.customer_id, e.purpose.code) for e in Consent.objects.select_related("purpose")}
    assert events == {(ada.pk, "email_marketing"), (bob.pk, "sms_marketing")}
    err = capsys.readouterr().err
    assert "line 4: customer_external_id: No customer has customer_external_id “C-9”." in err
    assert "line 5: occurred_at:" in err
    assert "line 5: method:" not in err  # the date is checked first, then the rest


def test_reporting_names_the_method_column_as_the_file_spells_it(tmp_path, capsys):
    CustomerFactory(external_id="C-1")
    path = _file(tmp_path, HEADER + "C-1,,email_marketing,sms,granted,2026-01-05,fax,\n")

    with pytest.raises(CommandError):
        call_command("import_consents", path)

    err = capsys.readouterr().err
    assert "line 2: method:" in err
    assert "line 2: channel: Email marketing does not use sms" in err
    assert "line 2: wording_version:" in err


def test_running_the_same_file_again_adds_nothing(tmp_path, capsys):
    CustomerFactory(external_id="C-1")
    path = _file(tmp_path, HEADER + "C-1,,email_marketing,email,granted,2026-01-05,web_form,v3\n")

    call_command("import_consents", path)
    call_command("import_consents", path)

    assert Consent.objects.count() == 1
    assert "0 events recorded, 1 already recorded" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("customer_external_id,purpose\nC-1,x\n", "Missing columns: channel, status"),
        (
            "purpose,channel,status,occurred_at,method,wording_version\n",
            "customer_external_id or an email column",
        ),
        (HEADER.strip() + ",colour\n", "Unknown columns: colour"),
        (
            HEADER + "C-1,,email_marketing,email,granted,2026-01-05,web_form,v3\nC-1,too,few\n",
            "Line 3 has 3 fields",
        ),
    ],
)
def test_a_structurally_broken_file_writes_nothing(tmp_path, text, message):
    CustomerFactory(external_id="C-1")

    with pytest.raises(CommandError, match=message):
        call_command("import_consents", _file(tmp_path, text))

    assert Consent.objects.count() == 0


def test_a_file_that_is_not_utf8_writes_nothing(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        HEADER.encode()
        + "C-1,,email_marketing,email,granted,2026-01-05,web_form,caf\xe9\n".encode("latin-1")
    )

    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_consents", str(path))

    assert Consent.objects.count() == 0


def test_a_dry_run_checks_every_row_and_writes_nothing(tmp_path, capsys):
    CustomerFactory(external_id="C-1")
    path = _file(tmp_path, HEADER + "C-1,,email_marketing,email,granted,2026-01-05,web_form,v3\n")

    call_command("import_consents", path, "--dry-run")

    assert Consent.objects.count() == 0
    assert "1 events would be recorded" in capsys.readouterr().out


def test_an_email_shared_by_two_customers_is_ambiguous(tmp_path, capsys):
    CustomerFactory(email="twin@example.com", source="a")
    CustomerFactory(email="twin@example.com", source="b")
    path = _file(
        tmp_path,
        HEADER + ",twin@example.com,email_marketing,email,granted,2026-01-05,web_form,v3\n",
    )

    with pytest.raises(CommandError):
        call_command("import_consents", path)

    assert "2 customers have email “twin@example.com”" in capsys.readouterr().err
