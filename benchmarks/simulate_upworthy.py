"""Replay the Upworthy headline tests as simulated creative tests and print what each policy does.

Every package of the Upworthy archive's development split becomes an arm with
``ctr = clicks / impressions``; every ``clickability_test_id`` becomes a test whose traffic is
the sum of its packages' impressions, served in ``--batches`` equal batches (24 by default).
The ``studio`` policy is the live test's own decision function (burn-in, floor, pausing, winner,
then all traffic to the winner); every policy sees the same random numbers.

Printed, per policy, mean ± sd over ``--seeds``: regret (expected clicks lost against always
serving the best arm), regret relative to the uniform split, the share of tests whose final
leader (or winner) is truly best, the winner rate, the wrong-winner rate (winners 5% or more below
the best arm) and the batches to a winner. Sections:

* ``main``: the tests of ``--split``;
* ``aa``: the same tests replayed as A/A tests (every arm given its test's pooled CTR): every
  winner is a false winner;
* ``tune`` and ``tune_aa``: a grid of live settings on the earlier weeks, real and A/A (how the
  defaults were chosen);
* ``mabwiser``: MABWiser's Thompson sampling (the dev extra) on the first ``--mabwiser-tests``
  tests, served batch by batch like ours;
* ``speed``: 1,000 tests x 24 batches through the three default policies;
* ``predictor``: priors from the CTR predictor trained on the earlier weeks, on the later weeks.

Honest evaluation: ``--split early`` is the tests that started before the latest weeks,
``--split late`` the latest weeks (about the last fifth of the tests, whole weeks, by start week;
the same cut as the CTR predictor's temporal split). Settings are chosen on ``early`` only; the
figures quoted in the README are on ``late``.

Run::

    .venv/bin/python benchmarks/simulate_upworthy.py --split late --sections main aa mabwiser
    .venv/bin/python benchmarks/simulate_upworthy.py --split early --sections tune tune_aa --every 8
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from studio.experiments.decisions import TestSettings, decide  # noqa: E402
from studio.experiments.simulator import (  # noqa: E402
    ArmsTable,
    LivePolicy,
    PolicyResult,
    SimulationPolicy,
    ThompsonPolicy,
    UniformPolicy,
    _argmax_ties,
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


#: Share of the tests, by start week, that form the latest weeks (as the predictor's split).
LATE_SHARE = 0.2


def week_cut(weeks: np.ndarray) -> int:
    """The first week of the latest weeks: about LATE_SHARE of the tests start on or after it."""
    ordered = np.sort(weeks)
    return int(ordered[int(np.floor(len(ordered) * (1.0 - LATE_SHARE)))])


def split_tests(arms: ArmsTable, weeks: np.ndarray, split: str) -> ArmsTable:
    if split == "all":
        return arms
    cut = week_cut(weeks)
    late = weeks >= cut
    return arms.subset(np.flatnonzero(late if split == "late" else ~late))


def as_aa(arms: ArmsTable) -> ArmsTable:
    """The same tests with every arm given its test's pooled CTR (A/A tests)."""
    clicks = arms.ctr * arms.impressions
    pooled = np.bincount(arms.test_index, weights=clicks) / np.bincount(
        arms.test_index, weights=arms.impressions
    )
    return ArmsTable(
        test_ids=arms.test_ids,
        test_index=arms.test_index,
        arm_ids=arms.arm_ids,
        ctr=pooled[arms.test_index],
        impressions=arms.impressions,
        headlines=arms.headlines,
    )


def _pm(values: list[float], fmt: str) -> str:
    array = np.array(values, dtype=np.float64)
    return f"{format(array.mean(), fmt)} ± {format(array.std(), fmt)}"


def _ratio(results: list[PolicyResult], runs: list[dict[str, PolicyResult]]) -> str:
    uniform = [run["uniform"].regret for run in runs]
    if min(uniform) <= 0:  # A/A tests: no arm is worse, nothing can be lost
        return "-"
    return _pm([r.regret / u for r, u in zip(results, uniform, strict=True)], ".3f")


def print_table(title: str, runs: list[dict[str, PolicyResult]]) -> None:
    print(f"\n{title}")
    print(
        f"{'policy':<18} {'regret (clicks)':>18} {'vs uniform':>16} {'best arm found':>16} "
        f"{'winners':>14} {'wrong winners':>16} {'batches to winner':>18} "
        f"{'best arm vs thompson, paired':>29}"
    )
    for name in runs[0]:
        results = [run[name] for run in runs]
        wrong = [r.wrong_winner_rate for r in results if r.wrong_winner_rate is not None]
        batches = [
            r.mean_batches_to_winner for r in results if r.mean_batches_to_winner is not None
        ]
        print(
            f"{name:<18} {_pm([r.regret for r in results], ',.0f'):>18} "
            f"{_ratio(results, runs):>16} "
            f"{_pm([r.best_arm_rate for r in results], '.1%'):>16} "
            f"{_pm([r.winner_rate for r in results], '.1%'):>14} "
            f"{_pm(wrong, '.1%') if wrong else '-':>16} "
            f"{_pm(batches, '.1f') if batches else '-':>18} "
            f"{_paired(results, runs):>29}",
            flush=True,
        )


def paired_difference(found: list[np.ndarray], baseline: list[np.ndarray]) -> tuple[float, float]:
    """Mean per-test difference in best arm found against ``baseline``, and its standard error.

    Both policies ran on the same tests with the same random numbers, so the difference is taken
    test by test (paired); per seed its standard error is ``sd / sqrt(n_tests)``, and over seeds
    the mean of the per-seed differences has standard error ``sqrt(sum se^2) / n_seeds``.
    """
    diffs = [
        f.astype(np.float64) - b.astype(np.float64) for f, b in zip(found, baseline, strict=True)
    ]
    means = [float(d.mean()) for d in diffs]
    errors = [float(d.std(ddof=1) / np.sqrt(d.size)) for d in diffs]
    return float(np.mean(means)), float(np.sqrt(np.sum(np.square(errors))) / len(errors))


def _paired(results: list[PolicyResult], runs: list[dict[str, PolicyResult]]) -> str:
    if "thompson" not in runs[0] or results[0].name == "thompson":
        return "-"
    mean, error = paired_difference(
        [r.found_best for r in results], [run["thompson"].found_best for run in runs]
    )
    return f"{mean:+.2%} ± {error:.2%}"


def run_policies(
    tests: ArmsTable, batches: int, seeds: list[int], policies: list[SimulationPolicy]
) -> list[dict[str, PolicyResult]]:
    runs = []
    for seed in seeds:
        started = time.perf_counter()
        runs.append(simulate(tests, batches=batches, seed=seed, policies=policies).policies)
        print(f"  seed {seed}: {time.perf_counter() - started:.0f} s", flush=True)
    return runs


def tuning_grid() -> list[SimulationPolicy]:
    """Live settings tried on the earlier weeks (the defaults were chosen from these)."""
    grid: list[SimulationPolicy] = [UniformPolicy(), ThompsonPolicy(name="thompson")]
    for strength, burn_in, win, loss, floor in (
        (100, 200, 0.95, 0.01, 0.01),
        (300, 200, 0.95, 0.01, 0.01),
        (2000, 200, 0.95, 0.01, 0.01),
        (100, 100, 0.95, 0.01, 0.01),
        (100, 400, 0.95, 0.01, 0.01),
        (100, 200, 0.99, 0.02, 0.01),
        (100, 200, 0.95, 0.005, 0.01),
        (100, 200, 0.95, 0.01, 0.02),
    ):
        settings = TestSettings(
            prior_strength=strength,
            burn_in_impressions=burn_in,
            win_probability=win,
            max_relative_loss=loss,
            min_share=floor,
        )
        name = f"s{strength}-b{burn_in}-w{win:g}-l{loss:g}" + (
            f"-f{floor:g}" if floor != 0.01 else ""
        )
        grid.append(LivePolicy(name=name, settings=settings))
    return grid


def best_arm_grid() -> list[SimulationPolicy]:
    """Options for finding the best arm as often as flat Thompson, tried on the earlier weeks.

    Each option changes one or two things from the previous default, plain Thompson sampling
    (``studio-thompson``: the studio's settings with ``policy="thompson"``): top-two Thompson
    sampling with leader share (Russo's beta) 0.5, 0.7 or 0.85, also with the pooled prior capped
    at 30 impressions (one pseudo-click at these CTRs); that cap alone; pausing only arms that
    are far less likely to be best, or only after more impressions; a shorter or longer burn-in;
    no pausing (with the 1% or a 2% floor); a 2% floor; a stricter winner; a flat prior, also
    without pausing. ``studio`` is the current default (top-two, leader share 0.85, chosen from
    this grid). What each recommends at the end of a test without a winner is compared by
    :func:`recommendation_section`.
    """
    grid: list[SimulationPolicy] = [
        UniformPolicy(),
        ThompsonPolicy(name="thompson"),
        LivePolicy(name="studio", settings=TestSettings()),
    ]
    previous: dict[str, Any] = {"policy": "thompson", "top_two_leader_share": 0.5}
    options: dict[str, dict[str, Any]] = {
        "studio-thompson": {},
        "top2-b0.5": {"policy": "top_two", "top_two_leader_share": 0.5},
        "top2-b0.7": {"policy": "top_two", "top_two_leader_share": 0.7},
        "top2-b0.85": {"policy": "top_two", "top_two_leader_share": 0.85},
        "top2-b0.85-cap30": {
            "policy": "top_two",
            "top_two_leader_share": 0.85,
            "prior_strength": 30.0,
        },
        "cap30": {"prior_strength": 30.0},
        "pause0.001": {"pause_probability": 0.001},
        "pause-after3000": {"min_impressions_to_pause": 3000},
        "burn-in100": {"burn_in_impressions": 100},
        "burn-in500": {"burn_in_impressions": 500},
        # Structural options: a paused arm can never recover, so never pause (every arm keeps
        # the floor), also with a 2% floor; fewer, surer winners; no pooling at all.
        "no-pause": {"pause_probability": 0.0},
        "no-pause-floor2": {"pause_probability": 0.0, "min_share": 0.02},
        "floor2": {"min_share": 0.02},
        "win0.99": {"win_probability": 0.99},
        "no-pause-win0.99": {"pause_probability": 0.0, "win_probability": 0.99},
        "flat-prior": {"prior_source": "flat", "prior_strength": 0.0},
        "flat-no-pause-floor2": {
            "prior_source": "flat",
            "prior_strength": 0.0,
            "pause_probability": 0.0,
            "min_share": 0.02,
        },
    }
    grid += [
        LivePolicy(name=n, settings=TestSettings(**(previous | o))) for n, o in options.items()
    ]
    return grid


@dataclass(frozen=True)
class RecordingLivePolicy(LivePolicy):
    """The live policy, also recording what other end-of-test recommendations would name.

    Where no winner was declared, the live policy recommends the arm most likely to be best
    among all arms, paused ones included, under the pooled prior (``prob_best``). Recorded
    beside it, per group of tests in the simulator's order: the highest posterior mean under
    that prior over all arms (``mean_all``) or over the arms still active (``mean_active``),
    the highest flat-prior mean over all arms as flat Thompson recommends (``flat_mean_all``),
    and the arm served most (``most_traffic``). A declared winner is every rule's answer.
    """

    recorded: list[dict[str, np.ndarray]] = field(default_factory=list, compare=False)

    def select_leader(
        self,
        state: Any,
        *,
        impressions: np.ndarray,
        clicks: np.ndarray,
        context: Any,
        tie_break: np.ndarray,
    ) -> np.ndarray:
        leader = super().select_leader(
            state, impressions=impressions, clicks=clicks, context=context, tie_break=tie_break
        )
        served, clicked = impressions.sum(axis=1), clicks.sum(axis=1)
        final = decide(
            self.settings,
            impressions=impressions,
            clicks=clicks,
            active=state.active,
            stored_prior=state.stored_prior,
        )
        rules = {
            "prob_best": leader,
            "mean_all": _argmax_ties(final.posterior.mean, tie_break),
            "mean_active": _argmax_ties(
                np.where(state.active, final.posterior.mean, -1.0), tie_break
            ),
            "flat_mean_all": _argmax_ties((clicked + 1.0) / (served + 2.0), tie_break),
            "most_traffic": _argmax_ties(served.astype(np.float64), tie_break),
        }
        self.recorded.append(
            {k: np.where(state.winner >= 0, state.winner, v) for k, v in rules.items()}
        )
        return leader


def recommendation_section(tests: ArmsTable, batches: int, seeds: list[int]) -> None:
    """Best arm found by each end-of-test recommendation rule of the studio policy, paired
    against flat Thompson sampling on the same tests and random numbers."""
    per_test = np.bincount(tests.test_index, minlength=tests.n_tests)
    first = np.concatenate([[0], np.cumsum(per_test)[:-1]])
    found: dict[str, list[np.ndarray]] = {}
    baseline = []
    for seed in seeds:
        probe = RecordingLivePolicy(name="studio")
        result = simulate(
            tests, batches=batches, seed=seed, policies=[ThompsonPolicy(name="thompson"), probe]
        )
        baseline.append(result.policies["thompson"].found_best)
        for rule in probe.recorded[0]:
            hit = np.zeros(tests.n_tests, dtype=bool)
            # The simulator runs tests grouped by their number of arms, in increasing order.
            for n_arms, groups in zip(np.unique(per_test), probe.recorded, strict=True):
                which = np.flatnonzero(per_test == n_arms)
                ctr = tests.ctr[first[which][:, None] + np.arange(n_arms)[None, :]]
                chosen = ctr[np.arange(which.size), groups[rule]]
                hit[which] = ctr.max(axis=1) - chosen <= 1e-12
            found.setdefault(rule, []).append(hit)
    print(
        f"\nend-of-test recommendation of the studio policy, {tests.n_tests:,} tests, seeds {seeds}"
    )
    thompson = np.mean([b.mean() for b in baseline])
    print(f"{'rule':<16} {'best arm found':>15} {'vs thompson, paired':>22}")
    print(f"{'(thompson)':<16} {thompson:>15.1%} {'-':>22}")
    for rule, hits in found.items():
        mean, error = paired_difference(hits, baseline)
        rate = np.mean([h.mean() for h in hits])
        print(f"{rule:<16} {rate:>15.1%} {f'{mean:+.2%} ± {error:.2%}':>22}")


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

    from studio.experiments.simulator import STUDIO_POLICY, ArmPredictions
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
        LivePolicy(
            name="studio+predictor",
            settings=TestSettings(prior_source="predictor", prior_strength=strength),
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
    parser.add_argument("--split", choices=["early", "late", "all"], default="late")
    parser.add_argument(
        "--every", type=int, default=1, help="Keep every n-th test of the split (quick runs)."
    )
    parser.add_argument(
        "--speed-tests", type=int, default=1000, help="Tests in the speed run (0: skip)."
    )
    parser.add_argument(
        "--mabwiser-tests", type=int, default=300, help="Tests for the MABWiser comparison."
    )
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=[
            "speed",
            "main",
            "aa",
            "tune",
            "tune_aa",
            "best_arm",
            "best_arm_aa",
            "recommend",
            "mabwiser",
            "predictor",
        ],
        default=["main", "aa", "mabwiser"],
        help="What to run; predictor trains the CTR predictor on the earlier weeks (minutes).",
    )
    parser.add_argument("--predictor-strength", type=float, default=1000.0)
    parser.add_argument(
        "--only",
        nargs="+",
        default=None,
        help="best_arm sections: keep only these policies of the grid (e.g. the one chosen).",
    )
    args = parser.parse_args()

    if not args.data.is_file():
        sys.exit(
            f"Upworthy data not found at {args.data}; pass --data PATH (see /work/shared/data/upworthy)."
        )
    arms, weeks = load_upworthy(args.data)
    cut = week_cut(weeks)
    tests = split_tests(arms, weeks, args.split)
    if args.every > 1:
        tests = tests.subset(np.arange(0, tests.n_tests, args.every))
    print(
        f"Upworthy development split: {arms.n_tests:,} tests, {arms.n_arms:,} arms; latest weeks "
        f"start {cut} ({int((weeks >= cut).sum()):,} tests). This run: {args.split} weeks, "
        f"{tests.n_tests:,} tests, {args.batches} batches, seeds {args.seeds}"
    )
    print(f"studio defaults: {TestSettings()}")

    if "speed" in args.sections and args.speed_tests:
        subset = arms.subset(np.arange(min(args.speed_tests, arms.n_tests)))
        started = time.perf_counter()
        simulate(subset, batches=24, seed=0, policies=default_policies())
        print(
            f"\nspeed: {subset.n_tests:,} tests x 24 batches, policies uniform + thompson + studio: "
            f"{time.perf_counter() - started:.1f} s"
        )

    if "main" in args.sections:
        runs = run_policies(tests, args.batches, args.seeds, default_policies())
        print_table(f"{args.split} weeks ({tests.n_tests:,} tests), mean ± sd over seeds", runs)

    if "aa" in args.sections:
        runs = run_policies(as_aa(tests), args.batches, args.seeds, default_policies())
        print_table(
            f"A/A: {args.split} weeks ({tests.n_tests:,} tests), every arm at its test's pooled CTR",
            runs,
        )

    if "tune" in args.sections:
        runs = run_policies(tests, args.batches, args.seeds, tuning_grid())
        print_table(f"tuning grid, {args.split} weeks ({tests.n_tests:,} tests)", runs)
    if "tune_aa" in args.sections:
        runs = run_policies(as_aa(tests), args.batches, args.seeds, tuning_grid())
        print_table(f"tuning grid, A/A, {args.split} weeks ({tests.n_tests:,} tests)", runs)

    grid = [p for p in best_arm_grid() if args.only is None or p.name in args.only]
    if "best_arm" in args.sections:
        runs = run_policies(tests, args.batches, args.seeds, grid)
        print_table(f"best-arm options, {args.split} weeks ({tests.n_tests:,} tests)", runs)
    if "best_arm_aa" in args.sections:
        runs = run_policies(as_aa(tests), args.batches, args.seeds, grid)
        print_table(f"best-arm options, A/A, {args.split} weeks ({tests.n_tests:,} tests)", runs)

    if "recommend" in args.sections:
        recommendation_section(tests, args.batches, args.seeds)

    if "mabwiser" in args.sections and args.mabwiser_tests:
        subset = tests.subset(np.arange(min(args.mabwiser_tests, tests.n_tests)))
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
        mean = np.array(rows).mean(axis=0)
        print(
            f"\nMABWiser beside ours on the first {subset.n_tests} {args.split}-week tests, "
            f"seeds {args.seeds}:"
        )
        print(f"{'policy':<22} {'regret vs uniform':>18} {'best arm found':>15}")
        print(f"{'uniform':<22} {1.0:>18.3f} {mean[3]:>15.1%}")
        print(f"{'thompson (flat)':<22} {mean[0]:>18.3f} {mean[4]:>15.1%}")
        print(f"{'studio':<22} {mean[1]:>18.3f} {mean[5]:>15.1%}")
        print(f"{'mabwiser thompson':<22} {mean[2]:>18.3f} {mean[6]:>15.1%}")
        print(
            f"time per seed: mabwiser {mean[7]:.1f} s, studio.experiments.simulator (3 policies) "
            f"{mean[8]:.1f} s"
        )

    if "predictor" in args.sections:
        predictor_section(args.data, args.batches, args.seeds, args.predictor_strength)


if __name__ == "__main__":
    main()
