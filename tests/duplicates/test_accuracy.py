"""Accuracy on a small seeded set, as a test with a modest bar; the real
figures, at 10k-100k records, come from benchmarks/duplicates_accuracy.py."""

import importlib.util
from pathlib import Path

from customers.duplicates.services import sweep as sweeps
from customers.models import Customer, DuplicateCandidate, MatchDecision
from demo.writer import seed_demo

_spec = importlib.util.spec_from_file_location(
    "duplicates_accuracy",
    Path(__file__).resolve().parents[2] / "benchmarks" / "duplicates_accuracy.py",
)


def _benchmark():
    module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(module)
    return module


def test_a_model_trained_without_labels_finds_the_seeded_duplicates(db, tmp_path):
    truth_path = tmp_path / "truth.csv"
    seed_demo(customers=2000, seed=23, truth_path=truth_path, max_orders=1)
    bench = _benchmark()
    truth, _ = bench.true_pairs(truth_path)

    sweeps.model_train()
    run = sweeps.duplicate_sweep_run()

    ids = dict(Customer.objects.values_list("pk", "external_id"))
    found = {
        tuple(sorted((ids[a], ids[b]))): decision
        for a, b, decision in DuplicateCandidate.objects.filter(sweep=run).values_list(
            "customer_a", "customer_b", "decision"
        )
    }
    precision, recall, f1 = bench.scores(set(found), truth)
    duplicate_precision, _, _ = bench.scores(
        {pair for pair, decision in found.items() if decision == MatchDecision.DUPLICATE}, truth
    )
    assert f1 >= 0.95, (precision, recall, f1)
    assert duplicate_precision >= 0.98
