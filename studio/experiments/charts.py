"""The dashboard figure of a creative test, drawn from :class:`studio.experiments.lifecycle.Dashboard`.

:mod:`studio.experiments.lifecycle` returns the dashboard as data and draws nothing; this module
turns that data into the PNG that both shells offer (the Tests page's download and
``studio tests dashboard --png``), which may not import each other. matplotlib is imported
when a figure is drawn.
"""

from __future__ import annotations

import io

import numpy as np

from studio.experiments.lifecycle import Dashboard


def dashboard_png(board: Dashboard, *, dpi: int = 110) -> bytes:
    """The dashboard as one PNG: six panels (densities, P(best), split, CTR, clicks, loss)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    labels = board.labels()
    colors = {a.arm_id: plt.get_cmap("tab10")(i % 10) for i, a in enumerate(board.arms)}
    figure, axes = plt.subplots(2, 3, figsize=(16, 9), dpi=dpi)
    figure.suptitle(
        f"Test {board.experiment_id} · {board.name} ({board.status}, {board.policy}, "
        f"{board.prior_source} prior)"
    )
    x, densities = board.densities()
    ax = axes[0, 0]
    for arm_id, density in densities.items():
        ax.plot(x * 100, density, color=colors[arm_id], label=labels[arm_id])
    ax.set(title="Posterior density of CTR", xlabel="CTR (%)", ylabel="density")
    ax.legend(fontsize=7)
    for ax, attribute, title in (
        (axes[0, 1], "prob_best", "Probability of being best"),
        (axes[0, 2], "share", "Traffic split"),
        (axes[1, 2], "expected_loss", "Expected loss (pp of CTR)"),
    ):
        for a in board.arms:
            rows = [h for h in board.history if h.arm_id == a.arm_id]
            values = [getattr(h, attribute) for h in rows]
            if attribute == "expected_loss":
                values = [np.nan if v is None else v * 100 for v in values]
            ax.plot(
                [h.decision_id for h in rows],
                values,
                marker="o",
                color=colors[a.arm_id],
                label=labels[a.arm_id],
            )
        ax.set(title=title, xlabel="decision")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if attribute == "expected_loss":
            ax.set_yscale("log")  # the flat start (tens of pp) would flatten every later value
        else:
            ax.set_ylim(0, 1)
    ax = axes[1, 0]
    positions = np.arange(len(board.arms))
    means = np.array([a.ctr_mean for a in board.arms]) * 100
    errors = (
        np.array(
            [
                [a.ctr_mean - a.ctr_low for a in board.arms],
                [a.ctr_high - a.ctr_mean for a in board.arms],
            ]
        )
        * 100
    )
    ax.errorbar(positions, means, yerr=errors, fmt="o", capsize=4, color="black")
    observed = [np.nan if a.observed_ctr is None else a.observed_ctr * 100 for a in board.arms]
    ax.scatter(positions, observed, marker="x", color="tab:red", label="observed", zorder=3)
    ax.set_xticks(positions, [a.letter for a in board.arms])
    ax.set(title="CTR: posterior mean and 95% interval", ylabel="CTR (%)")
    ax.legend(fontsize=7)
    ax = axes[1, 1]
    ax.bar(
        positions - 0.2, [a.clicks for a in board.arms], width=0.4, label="clicks", color="tab:blue"
    )
    twin = ax.twinx()
    twin.bar(
        positions + 0.2,
        [a.impressions for a in board.arms],
        width=0.4,
        label="impressions",
        color="tab:gray",
    )
    ax.set_xticks(positions, [a.letter for a in board.arms])
    ax.set(title="Clicks (blue) and impressions (grey)", ylabel="clicks")
    twin.set_ylabel("impressions")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
