"""The simulator on hand-made tests whose regret can be worked out by hand, and ARMS.csv checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from studio.cli import app
from studio.experiments.decisions import TestSettings
from studio.experiments.simulator import (
    ArmsFileError,
    LivePolicy,
    ThompsonPolicy,
    UniformPolicy,
    apportion,
    arms_from_frame,
    batch_sizes,
    load_arms,
    simulate,
)


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


@pytest.fixture
def certain_arms(tmp_path: Path) -> Path:
    """One test where arm "good" is always clicked and arm "bad" never: 4,000 impressions."""
    return write_csv(
        tmp_path / "arms.csv",
        """
test_id,arm_id,ctr,impressions,headline
t1,good,1.0,2000,Always clicked
t1,bad,0.0,2000,Never clicked
""",
    )


def test_certain_winner_regret_is_exact_for_every_policy(certain_arms: Path) -> None:
    # 4 batches of 1,000. Uniform loses 500 clicks a batch. Thompson serves the first batch 50/50
    # (no data: P(best) = 1/2 each) and then knows the winner for sure, so the loser keeps only the
    # 1% floor: 10 impressions, i.e. 10 clicks lost, in each of the 3 remaining batches. The
    # studio's live policy is past its burn-in after the first batch and declares the winner:
    # every later impression goes to it.
    result = simulate(load_arms(certain_arms), batches=4, seed=0)
    assert set(result.policies) == {"uniform", "thompson", "studio"}
    uniform, thompson, studio = (
        result.policies[name] for name in ("uniform", "thompson", "studio")
    )
    assert uniform.regret == 2000.0
    assert thompson.regret == pytest.approx(500 + 3 * 10, abs=1)
    assert studio.regret == 500.0
    assert (studio.winner_rate, studio.wrong_winner_rate, studio.mean_batches_to_winner) == (
        1.0,
        0.0,
        1.0,
    )
    assert (uniform.winner_rate, uniform.wrong_winner_rate) == (0.0, None)
    for policy in (uniform, thompson, studio):
        assert policy.best_arm_rate == 1.0
        assert policy.tests == 1
        assert policy.impressions == 4000
    assert uniform.expected_clicks == 2000.0
    assert thompson.expected_clicks == pytest.approx(4000 - thompson.regret)


def test_regret_sums_over_tests_and_ties_count_as_finding_the_best(tmp_path: Path) -> None:
    arms = write_csv(
        tmp_path / "arms.csv",
        """
test_id,arm_id,ctr,impressions
same,a,0.05,300
same,b,0.05,300
same,c,0.05,300
gap,a,0.2,600
gap,b,0.1,600
""",
    )
    result = simulate(load_arms(arms), batches=3, seed=1, policies=[UniformPolicy()])
    uniform = result.policies["uniform"]
    # Equal CTRs lose nothing; the gap test loses 0.1 on each of its 600 impressions of arm b.
    np.testing.assert_allclose(uniform.regret_per_test, [0.0, 60.0])
    assert uniform.regret == pytest.approx(60.0)
    assert uniform.found_best[0]
    assert result.tests == 2 and result.arms == 5


def test_same_seed_same_figures_and_policies_do_not_disturb_each_other(
    certain_arms: Path, tmp_path: Path
) -> None:
    frame = pd.DataFrame(
        {
            "test_id": np.repeat([f"t{i}" for i in range(40)], 3),
            "arm_id": np.tile(["a", "b", "c"], 40),
            "ctr": np.random.default_rng(0).uniform(0.01, 0.03, 120),
            "impressions": 2000,
        }
    )
    arms = arms_from_frame(frame)
    thompson = ThompsonPolicy(name="thompson")
    first = simulate(arms, batches=6, seed=3, policies=[UniformPolicy(), thompson])
    again = simulate(arms, batches=6, seed=3, policies=[UniformPolicy(), thompson])
    assert first.to_json()["policies"] == again.to_json()["policies"]
    alone = simulate(arms, batches=6, seed=3, policies=[UniformPolicy()])
    assert alone.policies["uniform"].regret == first.policies["uniform"].regret
    assert 0 < first.policies["thompson"].regret < first.policies["uniform"].regret


def test_finding_common_random_numbers_make_policy_order_irrelevant() -> None:
    # Issue 13: each policy drew from its own stream, in list order, so reordering the policy
    # list moved regret by 3%. Now every policy sees the same random numbers: the order does not
    # matter and two policies that act alike get identical figures under any names.
    frame = pd.DataFrame(
        {
            "test_id": np.repeat([f"t{i}" for i in range(30)], 3),
            "arm_id": np.tile(["a", "b", "c"], 30),
            "ctr": np.random.default_rng(1).uniform(0.01, 0.03, 90),
            "impressions": 3000,
        }
    )
    arms = arms_from_frame(frame)
    policies = [UniformPolicy(), ThompsonPolicy(), LivePolicy(), LivePolicy(name="twin")]
    forward = simulate(arms, batches=8, seed=5, policies=policies).to_json()["policies"]
    backward = simulate(arms, batches=8, seed=5, policies=policies[::-1]).to_json()["policies"]
    assert forward == backward
    twin = dict(forward["twin"])
    assert twin == forward["studio"]


def test_batches_split_traffic_evenly_and_apportion_follows_the_shares() -> None:
    sizes = batch_sizes(np.array([10, 24, 3]), 4)
    np.testing.assert_array_equal(sizes, [[3, 3, 2, 2], [6, 6, 6, 6], [1, 1, 1, 0]])
    ties = np.random.default_rng(0).random((3, 3))
    shares = np.array([[0.5, 0.3, 0.2], [0.99, 0.005, 0.005], [1 / 3, 1 / 3, 1 / 3]])
    served = apportion(np.array([10, 1000, 7]), shares, ties)
    np.testing.assert_array_equal(served.sum(axis=1), [10, 1000, 7])
    np.testing.assert_array_equal(served[0], [5, 3, 2])
    np.testing.assert_array_equal(served[1], [990, 5, 5])
    assert sorted(served[2]) == [2, 2, 3]
    assert served[2][int(np.argmax(ties[2]))] == 3  # the tie goes to the largest tie-break


def test_thompson_policy_validates_its_parameters() -> None:
    with pytest.raises(ValueError, match="burn_in_impressions must be an integer"):
        ThompsonPolicy(burn_in_impressions=-1)
    with pytest.raises(ValueError, match="min_share must be"):
        ThompsonPolicy(min_share=0.7)


def test_simulate_explains_bad_arguments(certain_arms: Path) -> None:
    arms = load_arms(certain_arms)
    with pytest.raises(ValueError, match="batches must be a whole number >= 1; got 0"):
        simulate(arms, batches=0, seed=0)
    with pytest.raises(ValueError, match="policy names must be unique"):
        simulate(arms, batches=2, seed=0, policies=[UniformPolicy(), UniformPolicy()])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "test_id,arm_id,impressions\nt,a,10\nt,b,10",
            "missing column\\(s\\) ctr; found test_id, arm_id, impressions",
        ),
        (
            "test_id,arm_id,ctr,impressions\nt,a,0.1,10\nt,b,1.5,10",
            "line 3: ctr must be a number in \\[0, 1\\].*got '1.5'",
        ),
        (
            "test_id,arm_id,ctr,impressions\nt,a,abc,10\nt,b,0.1,10",
            "line 2: ctr must be a number.*got 'abc'",
        ),
        (
            "test_id,arm_id,ctr,impressions\nt,a,0.1,10.5\nt,b,0.1,10",
            "line 2: impressions must be a whole number >= 0; got '10.5'",
        ),
        (
            "test_id,arm_id,ctr,impressions\nt,a,0.1,-3\nt,b,0.1,10",
            "line 2: impressions must be a whole number",
        ),
        (
            "test_id,arm_id,ctr,impressions\nt,a,0.1,10\nt,a,0.2,10",
            "line 3: duplicate arm_id 'a' in test 't' \\(first seen on line 2\\)",
        ),
        (
            "test_id,arm_id,ctr,impressions\nt,a,0.1,10\nu,a,0.2,10\nu,b,0.2,10",
            "line 2: test 't' has only one arm",
        ),
        (
            "test_id,arm_id,ctr,impressions\nt,a,0.1,0\nt,b,0.2,0",
            "test 't' has no impressions in total",
        ),
        ("test_id,arm_id,ctr,impressions\nt,,0.1,10\nt,b,0.2,10", "line 2: arm_id is empty"),
        ("test_id,arm_id,ctr,impressions", "no arms"),
        ("", "the file is empty"),
    ],
)
def test_bad_arms_files_are_explained(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "arms.csv"
    path.write_text(text + "\n" if text else "", encoding="utf-8")
    with pytest.raises(ArmsFileError, match=message):
        load_arms(path)


def test_arms_rows_are_grouped_by_test_and_subset_keeps_tests_whole(tmp_path: Path) -> None:
    arms = load_arms(
        write_csv(
            tmp_path / "arms.csv",
            """
test_id,arm_id,ctr,impressions
x,1,0.1,10
y,1,0.2,20
x,2,0.3,30
y,2,0.4,40
""",
        )
    )
    assert arms.test_ids == ["x", "y"]
    np.testing.assert_array_equal(arms.test_index, [0, 0, 1, 1])
    np.testing.assert_allclose(arms.ctr, [0.1, 0.3, 0.2, 0.4])
    np.testing.assert_array_equal(arms.traffic(), [40, 60])
    only_y = arms.subset([1])
    assert only_y.test_ids == ["y"] and only_y.arm_ids == ["1", "2"]
    np.testing.assert_allclose(only_y.ctr, [0.2, 0.4])


# --------------------------------------------------------------------------- CLI

runner = CliRunner()


def test_cli_writes_result_json(certain_arms: Path, tmp_path: Path) -> None:
    output = tmp_path / "out" / "result.json"
    result = runner.invoke(
        app,
        [
            "simulate",
            "--arms",
            str(certain_arms),
            "--batches",
            "4",
            "--seed",
            "0",
            "--output",
            str(output),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(output.read_text())
    assert set(payload["policies"]) == {"uniform", "thompson", "studio"}
    for entry in payload["policies"].values():
        assert {
            "regret",
            "best_arm_rate",
            "winner_rate",
            "wrong_winner_rate",
            "mean_batches_to_winner",
            "tests",
        } <= set(entry)
        assert entry["tests"] == 1
    assert payload["policies"]["studio"]["winner_rate"] == 1.0
    assert payload["policies"]["studio"]["mean_batches_to_winner"] == 1.0
    assert payload["policies"]["uniform"]["regret"] == 2000.0
    assert payload["batches"] == 4 and payload["seed"] == 0
    assert "uniform" in result.output and f"wrote {output}" in result.output


def test_cli_errors_name_the_problem_and_keep_an_earlier_result(tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", "test_id,arm_id,ctr,impressions\nt,a,2,10\nt,b,0.1,10")
    output = tmp_path / "result.json"
    output.write_text('{"kept": true}\n')
    result = runner.invoke(app, ["simulate", "--arms", str(bad), "--output", str(output)])
    assert result.exit_code == 1
    assert "line 2: ctr must be a number in [0, 1]" in result.output
    assert json.loads(output.read_text()) == {"kept": True}

    missing = runner.invoke(
        app, ["simulate", "--arms", str(tmp_path / "nope.csv"), "--output", str(output)]
    )
    assert missing.exit_code == 1 and "no such file" in missing.output

    zero = runner.invoke(
        app, ["simulate", "--arms", str(bad), "--batches", "0", "--output", str(output)]
    )
    assert zero.exit_code == 2 and "--batches" in zero.output

    folder = runner.invoke(app, ["simulate", "--arms", str(bad), "--output", str(tmp_path)])
    assert folder.exit_code == 1 and "is a folder" in folder.output


def test_finding_the_studio_policy_is_the_live_test() -> None:
    # Issue 13: the simulated `studio` policy had no burn-in, pausing, winner or stop, so its
    # regret said nothing about a live test. It now runs the live decision function: here a
    # hopeless arm is paused, a winner is declared, and the winner then gets all the traffic.
    frame = pd.DataFrame(
        {"test_id": "t", "arm_id": ["a", "b", "c"], "ctr": [0.05, 0.02, 0.001], "impressions": 8000}
    )
    arms = arms_from_frame(frame)
    settings = TestSettings(burn_in_impressions=500)
    policy = LivePolicy(settings=settings)
    result = simulate(arms, batches=12, seed=2, policies=[policy])
    studio = result.policies["studio"]
    assert studio.winner_rate == 1.0 and studio.wrong_winner_rate == 0.0
    assert studio.mean_batches_to_winner is not None and 1 <= studio.mean_batches_to_winner < 12
    assert studio.best_arm_rate == 1.0

    # Step by step: the same decisions the live test makes from the same delivery.
    from studio.experiments.decisions import decide
    from studio.experiments.simulator import GroupContext

    context = GroupContext(n_batches=3)
    state = policy.start(n_tests=1, n_arms=3, context=context)
    first = policy.select_step(
        state,
        batch=0,
        impressions=np.zeros((1, 0, 3), np.int64),
        clicks=np.zeros((1, 0, 3), np.int64),
        context=context,
    )
    np.testing.assert_allclose(first.shares, [[1 / 3] * 3])  # burn-in: equal split
    daily = np.array([[[1000, 1000, 1000]]])
    clicks = np.array([[[50, 20, 1]]])
    step = policy.select_step(state, batch=1, impressions=daily, clicks=clicks, context=context)
    live = decide(settings, impressions=daily, clicks=clicks)
    np.testing.assert_array_equal(step.shares, live.shares)
    np.testing.assert_array_equal(step.winner, live.winner)
    np.testing.assert_array_equal(state.active, ~live.paused_now)


def test_predictor_prior_favours_the_predicted_arm_before_any_traffic(certain_arms: Path) -> None:
    from studio.experiments.simulator import ArmPredictions, GroupContext

    context = GroupContext(
        n_batches=4, lift=np.array([[0.3, -0.3]]), sigma=np.array([[0.05, 0.05]]), base_ctr=0.02
    )
    policy = LivePolicy(settings=TestSettings(prior_source="predictor", prior_strength=1000))
    prior = policy.start(n_tests=1, n_arms=2, context=context).stored_prior
    # Centred on base_ctr in log-odds: sigmoid(logit(0.02) +- 0.3), worth 1,000 impressions each.
    logit = np.log(0.02 / 0.98)
    expected = 1 / (1 + np.exp(-(logit + np.array([0.3, -0.3]))))
    np.testing.assert_allclose((prior.alpha - 1) / (prior.alpha + prior.beta - 2), [expected])
    np.testing.assert_allclose(prior.alpha + prior.beta - 2, [[1000, 1000]])

    arms = load_arms(certain_arms)
    right = ArmPredictions(lift=np.array([0.5, -0.5]), sigma=np.array([0.1, 0.1]), base_ctr=0.02)
    flat = LivePolicy(
        name="flat", settings=TestSettings(prior_source="flat", burn_in_impressions=0)
    )
    guided = LivePolicy(
        name="guided",
        settings=TestSettings(prior_source="predictor", prior_strength=1000, burn_in_impressions=0),
    )
    result = simulate(arms, batches=4, seed=0, policies=[flat, guided], predictions=right)
    # The first batch already leans to the arm the predictor prefers (which is truly best).
    assert result.policies["guided"].regret < result.policies["flat"].regret - 100
    assert result.predictions

    with pytest.raises(ValueError, match=r"one entry per arm row, shape \(2,\)"):
        simulate(arms, batches=2, seed=0, predictions=ArmPredictions(np.zeros(3), np.ones(3), 0.02))
    with pytest.raises(ValueError, match="sigma finite and > 0"):
        ArmPredictions(np.zeros(2), np.zeros(2), 0.02)
