"""Duplicate detection on the independent synthetic data set
(``benchmarks/linkage_generator.py``), which no setting was chosen on.

    DEBUG=true .venv/bin/python benchmarks/duplicates_independent.py --records 10000 --seed 1
    DEBUG=true .venv/bin/python benchmarks/duplicates_independent.py --records 1000000 --seed 2

Generates the data set (once; it is kept under ``var/bench/``), makes the
features with the sweep's own SQL, and prints:

* blocking: the *pairs completeness* of the blocking rules (the share of true
  pairs that at least one rule generates, before any scoring), what each rule
  adds, and the comparisons per record (counted by Splink's blocking analysis,
  ``splink.blocking_analysis.count_comparisons_from_blocking_rules``);
* scoring: a model trained from the data without labels (as a sweep trains
  it), every candidate pair scored, pairwise precision, recall and F1 at the
  "possible" and "duplicate" thresholds, and the precision of "duplicate";
* recall by kind of modification, the time of each stage and the peak memory
  of the process (DuckDB runs in process).

It runs the sweep's engine (features, blocking, Splink scoring) on DuckDB
without PostgreSQL: the reading and writing of a sweep through PostgreSQL
is timed by ``benchmarks/duplicates_speed.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mis.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from benchmarks import linkage_generator  # noqa: E402
from benchmarks.duplicates_accuracy import scores  # noqa: E402
from customers.duplicates import engine  # noqa: E402
from customers.duplicates.engine import run  # noqa: E402
from customers.duplicates.services.sweep import load_features  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_truth(con, folder: Path) -> int:
    """The true pairs (a < b, every two records of the same entity) as a table."""
    run(
        con,
        f"CREATE OR REPLACE TABLE truth AS SELECT * FROM read_csv('{folder / 'truth.csv'}', "
        "header=true, columns={'id': 'BIGINT', 'entity_id': 'BIGINT', 'modifications': 'VARCHAR'})",
    )
    run(
        con,
        "CREATE OR REPLACE TABLE true_pairs AS SELECT l.id AS a, r.id AS b, "
        "concat_ws(';', l.modifications, r.modifications) AS modifications "
        "FROM truth l JOIN truth r ON l.entity_id = r.entity_id AND l.id < r.id",
    )
    return con.execute("SELECT count(*) FROM true_pairs").fetchall()[0][0]


def blocking_figures(con, records: int, true_count: int, *, sample: float) -> None:
    """Pairs completeness, rule by rule and together, and comparisons per record."""
    from splink import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    joined = (
        "FROM true_pairs t JOIN features l ON l.unique_id = t.a "
        "JOIN features r ON r.unique_id = t.b"
    )
    rules = engine.BLOCKING_RULES
    any_rule = " OR ".join(f"({rule})" for rule in rules)
    found = con.execute(f"SELECT count(*) {joined} WHERE {any_rule}").fetchall()[0][0]
    frame = DuckDBAPI(connection=con).register("features")
    counts = count_comparisons_from_blocking_rules(
        frame,
        blocking_rules=list(rules),
        link_type="dedupe_only",
        record_sample_proportion=sample,
    )
    print(f"Blocking ({len(rules)} rules), each rule's true pairs and comparisons it adds:")
    seen = "FALSE"
    for rule, count in zip(rules, counts, strict=True):
        added = con.execute(
            f"SELECT count(*) {joined} WHERE ({rule}) AND NOT coalesce({seen}, FALSE)"
        ).fetchall()[0][0]
        seen = f"{seen} OR coalesce(({rule}), FALSE)"
        print(
            f"  +{added / true_count:7.4f} of true pairs, "
            f"{count['marginal_comparison_count']:>12,} comparisons  {rule}"
        )
    total = counts[-1]["cumulative_comparison_count"]
    print(
        f"Pairs completeness: {found / true_count:.4f} ({found} of {true_count} true pairs); "
        f"{total:,} comparisons, {total / records:.1f} per record"
        + (f" (estimated from a {sample:.0%} sample)" if sample < 1 else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--folder", type=Path, default=None, help="Default: var/bench/linkage_N_S")
    parser.add_argument("--possible", type=float, default=settings.DUPLICATE_POSSIBLE_THRESHOLD)
    parser.add_argument("--duplicate", type=float, default=settings.DUPLICATE_THRESHOLD)
    parser.add_argument("--blocking-only", action="store_true")
    args = parser.parse_args()
    folder = args.folder or Path(f"var/bench/linkage_{args.records}_{args.seed}")

    began = started = time.perf_counter()
    linkage_generator.generate(folder, records=args.records, seed=args.seed)
    print(f"Data set {folder} ({args.records} records, seed {args.seed}).")
    con = engine.connect()
    load_features(con, folder / "records.csv")
    true_count = load_truth(con, folder)
    timings = {"features": time.perf_counter() - started}

    started = time.perf_counter()
    sample = 1.0 if args.records <= 100_000 else 0.05
    blocking_figures(con, args.records, true_count, sample=sample)
    timings["blocking analysis"] = time.perf_counter() - started
    if args.blocking_only:
        return

    started = time.perf_counter()
    run(
        con,
        "CREATE OR REPLACE TABLE training AS SELECT * FROM features "
        f"USING SAMPLE {int(settings.DUPLICATE_TRAINING_SAMPLE)} ROWS (reservoir, 42)",
    )
    model = engine.train(con, "training")
    timings["training"] = time.perf_counter() - started
    print(
        "Model trained without labels; probability that two random records match: "
        f"{model['probability_two_random_records_match']:.3g} "
        f"(true: {true_count / (args.records * (args.records - 1) / 2):.3g})"
    )

    started = time.perf_counter()
    pairs = engine.predict(con, "features", model, threshold=args.possible)
    timings["scoring"] = time.perf_counter() - started
    scored = con.execute(
        f"SELECT p.a, p.b, p.match_probability, t.a IS NOT NULL FROM {pairs} p "
        "LEFT JOIN true_pairs t ON t.a = p.a AND t.b = p.b"
    ).fetchall()
    truth = {(a, b) for a, b in con.execute("SELECT a, b FROM true_pairs").fetchall()}
    possible = {(a, b) for a, b, _p, _t in scored}
    duplicate = {(a, b) for a, b, p, _t in scored if p >= args.duplicate}
    print(f"True pairs: {len(truth)}; found: {len(possible)} ({len(duplicate)} duplicate).")
    for label, found in (("possible or duplicate", possible), ("duplicate only", duplicate)):
        precision, recall, f1 = scores(found, truth)
        print(f"Pairwise, {label:>21}: precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}")
    print(
        f"Precision of 'duplicate' decisions: {scores(duplicate, truth)[0]:.4f} (goal 0.995); "
        f"thresholds possible {args.possible}, duplicate {args.duplicate}"
    )
    for threshold in (0.1, 0.3, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999):
        if threshold >= args.possible:
            found = {(a, b) for a, b, p, _t in scored if p >= threshold}
            precision, recall, f1 = scores(found, truth)
            print(f"  at {threshold:<6}: precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}")

    run(con, "CREATE OR REPLACE TABLE found AS SELECT a, b FROM " + pairs)
    missed = con.execute(
        """
        WITH kinds AS (
            SELECT t.a, t.b, f.a IS NOT NULL AS hit,
                   unnest(string_split(nullif(t.modifications, ''), ';')) AS kind
            FROM true_pairs t LEFT JOIN found f ON f.a = t.a AND f.b = t.b
        )
        SELECT kind, count(*) AS pairs, avg(hit::INT) AS recall FROM kinds
        GROUP BY kind ORDER BY recall, pairs DESC
        """
    ).fetchall()
    print("Recall by modification (pairs with it, either side):")
    for kind, count, recall in missed:
        print(f"  {kind:<28} {recall:.4f}  of {count}")
    print(
        "Time: "
        + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in timings.items())
        + f"; total {time.perf_counter() - began:.1f} s; peak memory {peak_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
