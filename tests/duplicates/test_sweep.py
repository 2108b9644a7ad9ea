import csv
import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from customers.duplicates.services import sweep as sweeps
from customers.models import (
    CandidateStatus,
    DuplicateCandidate,
    DuplicateSweep,
    MatchDecision,
    SweepStatus,
)
from mis import metrics
from tests.duplicates.conftest import person
from tests.factories import CustomerFactory


def _pair(a, b):
    low, high = sorted((a.pk, b.pk))
    return DuplicateCandidate.objects.filter(customer_a=low, customer_b=high).first()


@pytest.fixture
def records(db):
    """Two records of one person (nickname, phone in national form) and a stranger."""
    original = person(external_id="A-1")
    again = person(external_id="A-2", first_name="Bob", phone="07911 123456")
    stranger = person(
        external_id="S-1",
        first_name="Priya",
        last_name="Raman",
        email="priya@example.org",
        phone="+447911198765",
        address_line1="3 Mill Lane",
        postcode="BS1 5TR",
        date_of_birth="1991-11-02",
    )
    return original, again, stranger


def test_a_sweep_finds_the_same_person_and_not_a_stranger(match_model, records):
    original, again, stranger = records

    run = sweeps.duplicate_sweep_run(via="command")

    assert run.status == SweepStatus.DONE
    assert run.records_checked == 3
    pair = _pair(original, again)
    assert pair.decision == MatchDecision.DUPLICATE
    assert pair.match_probability >= match_model.duplicate_threshold
    assert pair.evidence["name"][1] > 0  # the nickname counted for the match
    assert _pair(original, stranger) is None and _pair(again, stranger) is None
    assert run.duplicate_records == 1


def test_thresholds_decide_duplicate_or_possible(match_model):
    # The same name and date of birth, but moved, with a new email and no
    # phone: likely, not certain.
    original = person(external_id="A-1")
    moved = person(
        external_id="A-2",
        email="bob.h@example.net",
        phone="",
        address_line1="7 Harbour View",
        postcode="TR18 4AA",
    )
    match_model.possible_threshold = 0.001
    match_model.save()
    sweeps.duplicate_sweep_run()
    probability = _pair(original, moved).match_probability
    assert 0.001 < probability < 1

    match_model.duplicate_threshold = (probability + 1) / 2
    match_model.possible_threshold = probability / 2
    match_model.save()
    run = sweeps.duplicate_sweep_run()
    assert _pair(original, moved).decision == MatchDecision.POSSIBLE
    assert (run.duplicate_pairs, run.possible_pairs) == (0, 1)

    match_model.duplicate_threshold = probability / 2
    match_model.possible_threshold = probability / 4
    match_model.save()
    sweeps.duplicate_sweep_run()
    assert _pair(original, moved).decision == MatchDecision.DUPLICATE

    match_model.duplicate_threshold = match_model.possible_threshold = (probability + 1) / 2
    match_model.save()
    sweeps.duplicate_sweep_run()
    assert _pair(original, moved) is None  # below "possible": not a candidate


def test_a_re_sweep_keeps_a_reviewers_not_the_same(match_model, records):
    original, again, _ = records
    sweeps.duplicate_sweep_run()
    DuplicateCandidate.objects.update(status=CandidateStatus.DISTINCT)

    sweeps.duplicate_sweep_run()

    assert _pair(original, again).status == CandidateStatus.DISTINCT


def test_an_interrupted_sweep_writes_nothing_and_the_next_run_completes(
    match_model, records, monkeypatch
):
    original, again, _ = records

    def stop(*args, **kwargs):
        raise KeyboardInterrupt  # as when the process is stopped mid-run

    monkeypatch.setattr(sweeps, "_write_candidates", stop)
    with pytest.raises(KeyboardInterrupt):
        sweeps.duplicate_sweep_run()
    failed = DuplicateSweep.objects.get()
    assert failed.status == SweepStatus.FAILED and "KeyboardInterrupt" in failed.error
    assert not DuplicateCandidate.objects.exists()

    monkeypatch.undo()
    run = sweeps.duplicate_sweep_run()

    assert run.status == SweepStatus.DONE
    assert _pair(original, again).sweep == run


def test_a_sweep_killed_without_a_trace_is_taken_over_once_stale(match_model, records, settings):
    # A worker lost mid-run leaves its row "running" and stops its heartbeat.
    DuplicateSweep.objects.create(via="task")
    with pytest.raises(sweeps.SweepAlreadyRunning):
        sweeps.duplicate_sweep_run()

    settings.DUPLICATE_SWEEP_STALE_SECONDS = 0
    run = sweeps.duplicate_sweep_run()

    assert run.status == SweepStatus.DONE
    assert DuplicateSweep.objects.filter(status=SweepStatus.FAILED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_of_two_sweeps_started_at_once_one_refuses(trained_settings):
    from customers.models import MatchModel

    MatchModel.objects.create(version=1, splink_settings=trained_settings)
    person(external_id="A-1")
    person(external_id="A-2", first_name="Bob")
    barrier = threading.Barrier(2)
    outcomes = []

    def start():
        barrier.wait()
        try:
            outcomes.append(sweeps.duplicate_sweep_run(via="task").status)
        except sweeps.SweepAlreadyRunning:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["done", "refused"]
    assert DuplicateSweep.objects.filter(status=SweepStatus.DONE).count() == 1


def test_the_command_exports_the_pairs(match_model, records, tmp_path):
    path = tmp_path / "pairs.csv"

    out = io.StringIO()
    call_command("sweep_duplicates", "--export-pairs", str(path), stdout=out)

    rows = list(csv.reader(path.open()))
    assert rows[0] == ["external_id_a", "external_id_b", "score", "decision"]
    assert [row[:2] for row in rows[1:]] == [["A-1", "A-2"]]
    assert rows[1][3] == "duplicate" and float(rows[1][2]) >= 0.99
    assert "1 duplicate and 0 possible pairs" in out.getvalue()


def test_the_command_refuses_a_folder_that_does_not_exist(match_model, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("sweep_duplicates", "--export-pairs", str(tmp_path / "no" / "pairs.csv"))


def test_a_file_without_email_or_phone_still_finds_duplicates(match_model):
    a = CustomerFactory(
        first_name="Elizabeth",
        last_name="Okafor",
        email="",
        phone="",
        postcode="M1 1AE",
        address_line1="4 Oak St",
        date_of_birth="1975-06-04",
        external_id="E-1",
    )
    b = CustomerFactory(
        first_name="Liz",
        last_name="Okafor",
        email="",
        phone="",
        postcode="M1 1AE",
        address_line1="4 Oak Street",
        date_of_birth="1975-04-06",
        external_id="E-2",
    )

    sweeps.duplicate_sweep_run()

    assert _pair(a, b) is not None


def test_the_duplicate_rate_reads_the_last_sweep(match_model, records):
    import datetime as dt

    assert metrics.measure("duplicate_rate", as_of=dt.date.today()).value is None  # no sweep yet

    sweeps.duplicate_sweep_run()

    rate = metrics.measure("duplicate_rate", as_of=dt.date.today()).value
    assert float(rate) == pytest.approx(100 / 3, rel=1e-4)
