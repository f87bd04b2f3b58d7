"""Replay the Upworthy headline tests as simulated creative tests and print what each policy loses.

Every package of the Upworthy archive's development split becomes an arm with
``ctr = clicks / impressions``; every ``clickability_test_id`` becomes a test whose traffic is
the sum of its packages' impressions, served in ``--batches`` equal batches (24 by default).

Printed, per policy: regret (expected clicks lost against always serving the best arm, summed over
tests), regret relative to the uniform split, and the share of tests whose final leader is truly
best; the mean and standard deviation over ``--seeds``. Then:

* speed: 1,000 tests x 24 batches through the three default policies;
* MABWiser's Thompson sampling (``mabwiser``, the dev extra) on the same tests, served batch by
  batch like ours (its posterior is refitted after each batch; it has no minimum share);
* priors from the CTR predictor, when one is trained, on tests from weeks it did not train on.

Honest evaluation: the studio policy's settings were chosen on the tests at odd positions of the
file (``--split tune``) with seeds 100-102; the default report is on the tests at even positions
(``--split eval``) with seeds 0-2.

Run::

    .venv/bin/python benchmarks/simulate_upworthy.py                 # everything (several minutes)
    .venv/bin/python benchmarks/simulate_upworthy.py --seeds 0 --mabwiser-tests 0
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from studio.experiments.simulator import (  # noqa: E402
    ArmsTable,
    PolicyResult,
    arms_from_frame,
    batch_sizes,
    default_policies,
    simulate,
)

UPWORTHY = REPO.parent / "shared" / "data" / "upworthy" / "upworthy-exploratory-dev.csv.gz"


def load_upworthy(path: Path) -> tuple[ArmsTable, np.ndarray]:
    """Arms from the archive, and each test's ISO week (YYYYWW) in ``ArmsTable.test_ids`` order."""
    import pandas as pd

    frame = pd.read_csv(
        path, usecols=["clickability_test_id", "headline", "impressions", "clicks", "test_week"]
    )
    frame["arm_id"] = frame.groupby("clickability_test_id").cumcount().astype(str)
    arms = arms_from_frame(
        pd.DataFrame(
            {
                "test_id": frame["clickability_test_id"],
                "arm_id": frame["arm_id"],
                "ctr": frame["clicks"] / frame["impressions"],
                "impressions": frame["impressions"],
                "headline": frame["headline"].fillna(""),
            }
        ),
        source=str(path),
    )
    weeks = frame.groupby("clickability_test_id")["test_week"].min()
    return arms, weeks.loc[arms.test_ids].to_numpy()


def split_tests(arms: ArmsTable, split: str) -> ArmsTable:
    if split == "all":
        return arms
    start = 0 if split == "eval" else 1
    return arms.subset(np.arange(start, arms.n_tests, 2))


def print_table(title: str, runs: list[dict[str, PolicyResult]]) -> None:
    print(f"\n{title}")
    print(f"{'policy':<12} {'regret (clicks)':>22} {'vs uniform':>16} {'best arm found':>18}")
    for name in runs[0]:
        regret = np.array([run[name].regret for run in runs])
        ratio = np.array([run[name].regret / run["uniform"].regret for run in runs])
        best = np.array([run[name].best_arm_rate for run in runs])
        print(
            f"{name:<12} {regret.mean():>14,.0f} ± {regret.std():>5,.0f} "
            f"{ratio.mean():>9.3f} ± {ratio.std():.3f} {best.mean():>11.1%} ± {best.std():.1%}"
        )


def run_mabwiser(arms: ArmsTable, batches: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """MABWiser Thompson sampling, batch by batch: regret and best-arm found per test."""
    from mabwiser.mab import MAB, LearningPolicy

    rng = np.random.default_rng(seed)
    sizes = batch_sizes(arms.traffic(), batches)
    regret = np.zeros(arms.n_tests)
    found = np.zeros(arms.n_tests, dtype=bool)
    for test in range(arms.n_tests):
        ctr = arms.ctr[arms.test_index == test]
        n_arms = ctr.size
        gap = ctr.max() - ctr
        bandit = MAB(
            arms=list(range(n_arms)),
            learning_policy=LearningPolicy.ThompsonSampling(),
            seed=int(rng.integers(2**31)),
        )
        impressions = np.zeros(n_arms)
        clicks = np.zeros(n_arms)
        for batch, n in enumerate(sizes[test]):
            if n == 0:
                continue
            if batch == 0:
                # Nothing is known yet: an equal split, as every policy here starts with.
                decisions = np.resize(rng.permutation(n_arms), n)
            else:
                decisions = np.asarray(bandit.predict(np.zeros((n, 1))), dtype=np.int64).reshape(-1)
            rewards = (rng.random(n) < ctr[decisions]).astype(np.int64)
            regret[test] += gap[decisions].sum()
            np.add.at(impressions, decisions, 1)
            np.add.at(clicks, decisions, rewards)
            if batch == 0:
                bandit.fit(decisions, rewards)
            else:
                bandit.partial_fit(decisions, rewards)
        mean = (clicks + 1) / (impressions + 2)
        leaders = np.flatnonzero(mean == mean.max())
        found[test] = gap[rng.choice(leaders)] <= 1e-12
    return regret, found


def predictor_section(data: Path, batches: int, seeds: list[int], strength: float) -> None:
    """Train the CTR predictor on the earlier weeks only and simulate the later weeks' tests.

    The shipped predictor is refitted on every week of the development split, so using it here
    would score headlines it was trained on. This trains the same recipe
    (:func:`studio.scoring.train.train_model`) on the weeks before the temporal cut and turns
    its scores into per-arm log-odds lifts and uncertainties for the later tests only.
    """
    import pandas as pd

    from studio.experiments.simulator import (
        STUDIO_POLICY,
        ArmPredictions,
        ThompsonPolicy,
        UniformPolicy,
    )
    from studio.scoring.data import load_test_table, temporal_split
    from studio.scoring.embeddings import EmbeddingCache
    from studio.scoring.train import featurize, train_model

    started = time.perf_counter()
    early, late = temporal_split(load_test_table(data), 0.2)
    encoder = EmbeddingCache()
    model, _evaluation = train_model(
        early, encoder, sources=[f"{data.name} (early weeks)"], progress=lambda _m: None
    )
    features = featurize(late, encoder)
    lift = model.logit_lift(model.relative_scores(features.embeddings, features.lexical))
    sigma = model.calibration.sigma_for(model.index.max_similarity(features.embeddings))
    # Keep each test's rows together in order of first appearance, the order ArmsTable uses.
    order = np.argsort(pd.factorize(late["test_id"])[0], kind="stable")
    late = late.iloc[order].reset_index(drop=True)
    arms = arms_from_frame(
        pd.DataFrame(
            {
                "test_id": late["test_id"],
                "arm_id": late.groupby("test_id").cumcount().astype(str),
                "ctr": late["clicks"] / late["impressions"],
                "impressions": late["impressions"],
            }
        ),
        source="later weeks",
    )
    predictions = ArmPredictions(
        lift=lift[order], sigma=sigma[order], base_ctr=model.calibration.base_ctr
    )
    print(
        f"\nCTR predictor trained on weeks {early['period'].min()}-{early['period'].max()} "
        f"({early['test_id'].nunique():,} tests) in {time.perf_counter() - started:.0f} s; "
        f"simulated on the {arms.n_tests:,} tests of the later weeks "
        f"{late['period'].min()}-{late['period'].max()} only"
    )
    policies = [
        UniformPolicy(),
        ThompsonPolicy(name="thompson"),
        STUDIO_POLICY,
        ThompsonPolicy(
            name="studio+predictor",
            min_share=STUDIO_POLICY.min_share,
            burn_in_impressions=STUDIO_POLICY.burn_in_impressions,
            n_samples=STUDIO_POLICY.n_samples,
            predictor_prior_strength=strength,
        ),
    ]
    runs = [
        simulate(
            arms, batches=batches, seed=seed, policies=policies, predictions=predictions
        ).policies
        for seed in seeds
    ]
    print_table(
        f"later-week tests ({arms.n_tests:,}), {batches} batches, predictor prior worth at most "
        f"{strength:g} impressions, mean ± sd over seeds {seeds}",
        runs,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=UPWORTHY)
    parser.add_argument("--batches", type=int, default=24)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--split", choices=["eval", "tune", "all"], default="eval")
    parser.add_argument(
        "--speed-tests", type=int, default=1000, help="Tests in the speed run (0: skip)."
    )
    parser.add_argument(
        "--mabwiser-tests",
        type=int,
        default=300,
        help="Tests for the MABWiser comparison (0: skip).",
    )
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=["speed", "main", "mabwiser", "predictor"],
        default=["speed", "main", "mabwiser"],
        help="What to run; predictor trains the CTR predictor on the earlier weeks (minutes).",
    )
    parser.add_argument("--predictor-strength", type=float, default=1000.0)
    args = parser.parse_args()

    if not args.data.is_file():
        sys.exit(
            f"Upworthy data not found at {args.data}; pass --data PATH (see /work/shared/data/upworthy)."
        )
    arms, _weeks = load_upworthy(args.data)
    print(
        f"Upworthy development split: {arms.n_tests:,} tests, {arms.n_arms:,} arms, {args.batches} batches"
    )

    if "speed" in args.sections and args.speed_tests:
        subset = arms.subset(np.arange(min(args.speed_tests, arms.n_tests)))
        started = time.perf_counter()
        result = simulate(subset, batches=24, seed=0, policies=default_policies())
        print(
            f"\nspeed: {subset.n_tests:,} tests x 24 batches, policies uniform + thompson + studio: "
            f"{time.perf_counter() - started:.1f} s"
        )
        del result

    tests = split_tests(arms, args.split)
    if "main" in args.sections:
        runs = []
        for seed in args.seeds:
            started = time.perf_counter()
            result = simulate(tests, batches=args.batches, seed=seed, policies=default_policies())
            runs.append(result.policies)
            print(f"seed {seed}: {time.perf_counter() - started:.0f} s", flush=True)
        print_table(
            f"{args.split} tests ({tests.n_tests:,}), {args.batches} batches, "
            f"mean ± sd over seeds {args.seeds}",
            runs,
        )

    if "mabwiser" in args.sections and args.mabwiser_tests:
        subset_index = np.arange(min(args.mabwiser_tests, tests.n_tests))
        subset = tests.subset(subset_index)
        rows = []
        for seed in args.seeds:
            ours = simulate(subset, batches=args.batches, seed=seed, policies=default_policies())
            started = time.perf_counter()
            regret, found = run_mabwiser(subset, args.batches, seed)
            seconds = time.perf_counter() - started
            uniform = ours.policies["uniform"].regret
            rows.append(
                (
                    ours.policies["thompson"].regret / uniform,
                    ours.policies["studio"].regret / uniform,
                    regret.sum() / uniform,
                    ours.policies["uniform"].best_arm_rate,
                    ours.policies["thompson"].best_arm_rate,
                    ours.policies["studio"].best_arm_rate,
                    found.mean(),
                    seconds,
                    ours.seconds,
                )
            )
        table = np.array(rows)
        mean = table.mean(axis=0)
        print(
            f"\nMABWiser comparison on the first {subset.n_tests} {args.split} tests, seeds {args.seeds}:"
        )
        print(f"{'policy':<22} {'regret vs uniform':>18} {'best arm found':>15}")
        print(f"{'uniform':<22} {1.0:>18.3f} {mean[3]:>15.1%}")
        print(f"{'thompson (studio.experiments.bandits)':<22} {mean[0]:>18.3f} {mean[4]:>15.1%}")
        print(f"{'studio':<22} {mean[1]:>18.3f} {mean[5]:>15.1%}")
        print(f"{'mabwiser thompson':<22} {mean[2]:>18.3f} {mean[6]:>15.1%}")
        print(
            f"time per seed: mabwiser {mean[7]:.1f} s, studio.experiments.simulator (3 policies) {mean[8]:.1f} s"
        )

    if "predictor" in args.sections:
        predictor_section(args.data, args.batches, args.seeds, args.predictor_strength)


if __name__ == "__main__":
    main()
