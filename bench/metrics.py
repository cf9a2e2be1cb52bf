"""What bench/fanout.py reads from the servers: the web processes' Prometheus metrics (GC pauses,
per-hop latency histograms) and which process is Redis."""

from __future__ import annotations

import psutil
import requests
from prometheus_client.parser import text_string_to_metric_families


def redis_pids() -> list[int]:
    """The Redis server on 127.0.0.1:6379, so the channel layer's cost there is counted too."""
    return [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "redis-server"][:1]


def gc_pauses(metrics_urls: list[str]) -> tuple[float, float, float]:
    """Full (generation 2) collections of the web processes since start: count, total
    seconds, and the smallest bucket bound that holds the longest one (0 if none)."""
    count = total = longest = 0.0
    for url in metrics_urls:
        samples = [
            sample
            for family in text_string_to_metric_families(requests.get(url, timeout=5).text)
            if family.name == "python_gc_pause_seconds"
            for sample in family.samples
            if sample.labels.get("generation") == "2"
        ]
        here = sum(sample.value for sample in samples if sample.name.endswith("_count"))
        count += here
        total += sum(sample.value for sample in samples if sample.name.endswith("_sum"))
        bounds = [
            float(sample.labels["le"])
            for sample in samples
            if sample.name.endswith("_bucket") and sample.value >= here > 0 and sample.labels["le"] != "+Inf"
        ]
        longest = max(longest, min(bounds, default=0.0))
    return count, total, longest


HOPS = ("betcore", "worker", "layer", "queued", "first_write", "last_write")


def hop_buckets(metrics_urls: list[str]) -> dict[str, dict[float, float]]:
    """Cumulative bucket counts of feed_hop_seconds per hop, summed over the web processes."""
    buckets: dict[str, dict[float, float]] = {hop: {} for hop in HOPS}
    for url in metrics_urls:
        for family in text_string_to_metric_families(requests.get(url, timeout=5).text):
            if family.name != "feed_hop_seconds":
                continue
            for sample in family.samples:
                if sample.name.endswith("_bucket") and sample.labels.get("hop") in buckets:
                    bound = float(sample.labels["le"])
                    hop = buckets[sample.labels["hop"]]
                    hop[bound] = hop.get(bound, 0.0) + sample.value
    return buckets


def bucket_quantile(cumulative: dict[float, float], q: float) -> float:
    """The q-quantile in ms from cumulative histogram buckets, linear within the bucket (as PromQL does)."""
    bounds = sorted(cumulative)
    total = cumulative.get(float("inf"), 0.0)
    if not total:
        return float("nan")
    rank, previous_bound, previous_count = q * total, 0.0, 0.0
    for bound in bounds:
        count = cumulative[bound]
        if count >= rank:
            if bound == float("inf"):
                return previous_bound * 1000
            share = (rank - previous_count) / max(count - previous_count, 1e-9)
            return (previous_bound + (bound - previous_bound) * share) * 1000
        previous_bound, previous_count = bound, count
    return float("nan")


def hop_table(before: dict[str, dict[float, float]], after: dict[str, dict[float, float]]) -> dict[str, tuple]:
    """p50/p99 per hop (ms) over the window: the difference of two scrapes."""
    table = {}
    for hop in HOPS:
        window = {bound: count - before[hop].get(bound, 0.0) for bound, count in after[hop].items()}
        table[hop] = (bucket_quantile(window, 0.5), bucket_quantile(window, 0.99), window.get(float("inf"), 0.0))
    return table
