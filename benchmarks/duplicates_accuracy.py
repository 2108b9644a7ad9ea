"""Accuracy of duplicate detection against the demo data's ground truth.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_dup_bench DEBUG=true \\
        .venv/bin/python benchmarks/duplicates_accuracy.py [--customers 100000] [--seed 7]

Seeds ``--customers`` demo records (replacing the demo set when its size
differs) with the ground truth in a file of its own, trains a new match model
from the data (no labels are used: u by random sampling, m by EM), runs one
sweep and compares the pairs it found with the true pairs (every two records
of the same entity). Prints pairwise precision, recall and F1 at the
"possible" threshold and at the "duplicate" threshold, the precision of
"duplicate" decisions, and recall by kind of variation.

The goals: pairwise F1 of at least 0.99; precision of "duplicate" decisions of
at least 0.995.
"""

import argparse
import csv
import itertools
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mis.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from customers.duplicates.services import sweep as sweeps  # noqa: E402
from customers.models import Customer, DuplicateCandidate, MatchDecision  # noqa: E402
from demo.writer import seed_demo  # noqa: E402


def true_pairs(truth_path: Path, present: set | None = None) -> tuple[set, dict]:
    """Every unordered pair of external ids of the same entity, and each
    duplicate's variation; only of the records ``present`` when given (a set
    whose seeding was stopped part-way)."""
    by_entity, variation = defaultdict(list), {}
    with truth_path.open(encoding="utf-8") as source:
        for row in csv.DictReader(source):
            if present is not None and row["external_id"] not in present:
                continue
            by_entity[row["entity_id"]].append(row["external_id"])
            variation[row["external_id"]] = row["variation"]
    pairs = set()
    for ids in by_entity.values():
        pairs.update(tuple(sorted(pair)) for pair in itertools.combinations(ids, 2))
    return pairs, variation


def scores(found: set, truth: set) -> tuple[float, float, float]:
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--truth", type=Path, default=Path("var/bench/duplicates_truth.csv"))
    parser.add_argument(
        "--use-existing",
        action="store_true",
        help="Measure the demo records already in the database against --truth, "
        "without seeding (e.g. a large seed stopped part-way).",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL=postgres://...")

    have = Customer.objects.filter(source="demo").count()
    if not args.use_existing and (have != args.customers or not args.truth.exists()):
        args.truth.parent.mkdir(parents=True, exist_ok=True)
        print(f"Seeding {args.customers} demo customers (seed {args.seed})...")
        seed_demo(customers=args.customers, seed=args.seed, truth_path=args.truth, reset=have > 0)
    ids = dict(Customer.objects.filter(source="demo").values_list("pk", "external_id"))
    truth, variation = true_pairs(args.truth, set(ids.values()))

    started = time.perf_counter()
    model = sweeps.model_train()
    trained = time.perf_counter() - started
    run = sweeps.duplicate_sweep_run(via="command")
    print(
        f"Model v{model.version} trained on {model.records_used} records in {trained:.1f} s; "
        f"sweep of {run.records_checked} records in {run.seconds:.1f} s."
    )
    found = {}
    for a, b, decision in DuplicateCandidate.objects.filter(sweep=run).values_list(
        "customer_a", "customer_b", "decision"
    ):
        # Only records the ground truth knows (all of them, unless seeding stopped part-way).
        if a in ids and b in ids and ids[a] in variation and ids[b] in variation:
            found[tuple(sorted((ids[a], ids[b])))] = decision
    possible = set(found)
    duplicate = {pair for pair, decision in found.items() if decision == MatchDecision.DUPLICATE}

    print(f"True pairs: {len(truth)}; found: {len(possible)} ({len(duplicate)} duplicate).")
    for label, pairs in (("possible or duplicate", possible), ("duplicate only", duplicate)):
        precision, recall, f1 = scores(pairs, truth)
        print(f"Pairwise, {label:>21}: precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}")
    dup_precision = scores(duplicate, truth)[0]
    print(f"Precision of 'duplicate' decisions: {dup_precision:.4f} (goal 0.995)")

    missed = Counter()
    total = Counter()
    for a, b in truth:
        kinds = (variation.get(b) or variation.get(a) or "exact").split(";")
        for kind in kinds:
            total[kind] += 1
            if (a, b) not in possible:
                missed[kind] += 1
    print("Recall by variation (pairs with it):")
    for kind, count in total.most_common():
        print(f"  {kind:<15} {1 - missed[kind] / count:.4f}  of {count}")
    false = Counter()
    for pair in possible - truth:
        false[found[pair]] += 1
    print(f"False pairs by decision: {dict(false)}")


if __name__ == "__main__":
    main()
