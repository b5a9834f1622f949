"""The fanout plot: server CPU per delivery and p99 latency against clients.

Needs matplotlib, the optional `bench` extra (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.loadgen.report import median_row, result_groups

__all__ = ["fanout_points", "plot_results"]

# (server, clients) -> (cpu µs per delivery, p99 ms): medians over a `suite --repeat` run's
# results, so one drifting repetition does not move the line; otherwise the last run wins.
Points = dict[str, dict[int, tuple[float, float]]]


def fanout_points(results: Path) -> Points:
    points: Points = {}
    for row in map(median_row, result_groups(results)):
        if row["scenario"] == "fanout" and row.get("server_cpu_us_per_delivery") is not None:
            cpu, p99 = row["server_cpu_us_per_delivery"], row["latency_p99_ms"]
            points.setdefault(row["server"], {})[int(row["clients"])] = (cpu, p99)
    return points


def plot_results(results: Path, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot as plt

    points = fanout_points(results)
    fig, (cpu_ax, p99_ax) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for server, by_clients in sorted(points.items()):
        clients = sorted(by_clients)
        cpu_ax.plot(clients, [by_clients[c][0] for c in clients], marker="o", label=server)
        p99_ax.plot(clients, [by_clients[c][1] for c in clients], marker="o", label=server)
    cpu_ax.set(title="Server CPU per delivery", xlabel="clients in the room", ylabel="µs")
    # Log scale: one stalled server would otherwise flatten everyone else's line.
    p99_ax.set(title="End-to-end latency p99", xlabel="clients in the room", ylabel="ms (log)")
    p99_ax.set_yscale("log")
    cpu_ax.set_ylim(bottom=0)
    for ax in (cpu_ax, p99_ax):
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    fig.suptitle("fanout: 200 clients/20 senders/200 msg/s and 1000/50/50, 15 s, loopback")
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=120)
    plt.close(fig)
