"""The webhooks section of ``make bench`` needs minutes of a real scheduler, so ``--quick``
leaves it out; its arithmetic and its table are checked here, so they cannot rot unnoticed."""

from __future__ import annotations

from bench import webhooks
from webhooks_live import Change


def changes(latencies: list[float | None]) -> list[Change]:
    made = []
    for n, latency in enumerate(latencies):
        change = Change("t", "Invoices", f"id-{n}", "v", 1000.0)
        change.landed_at = None if latency is None else 1000.0 + latency
        made.append(change)
    return made


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert webhooks._percentile(values, 50) == 50.0
    assert webhooks._percentile(values, 95) == 95.0
    assert webhooks._percentile([7.0], 95) == 7.0
    assert webhooks._percentile([], 50) is None


def test_the_report_counts_what_landed_runs_and_calls_per_record() -> None:
    made = changes([float(n) for n in range(1, 20)] + [None])
    runs = [("asset_triggered__1", "asset_triggered", "success"),
            ("scheduled__1", "scheduled", "failed")]
    report = webhooks._report(made, runs, webhook_calls=10, hourly_calls=2, count=20,
                              seconds=40)
    assert (report["landed"], report["not_landed"]) == (19, 1)
    assert report["latency_seconds"]["max"] == 19.0
    assert report["dag_runs"] == {"asset_triggered": 1, "scheduled_or_other": 1, "failed": 1}
    assert report["calls"]["webhook_per_record"] == 0.5
    assert report["calls"]["hourly_per_record"] == 0.1
    text = webhooks.render(report)
    assert "latency p95 (s)" in text and "p95 within the 60 s goal" in text
