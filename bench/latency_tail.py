#!/usr/bin/env python3
"""Where a run's slow requests came from, from two scrapes of the daemon's /metrics (before
and after the run): for the HTTP route and for every backend service of one cluster, how many
requests completed and how many took longer than THRESHOLD_MS (by histogram bucket, so the
threshold is rounded up to the next bucket bound).

    latency_tail.py BEFORE.txt AFTER.txt CLUSTER THRESHOLD_MS
"""
import re
import sys

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} ([0-9.eE+-]+|\+Inf|NaN)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def buckets(path, metric, match):
    """{(labels without le): {le: cumulative count}} of `metric`'s histogram."""
    out = {}
    with open(path) as f:
        for line in f:
            m = SAMPLE.match(line.strip())
            if not m or m.group(1) != metric + "_bucket":
                continue
            labels = dict(LABEL.findall(m.group(2)))
            if any(labels.get(k) != v for k, v in match.items()):
                continue
            le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
            key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
            out.setdefault(key, {})[le] = float(m.group(3))
    return out


def tail(before, after, metric, match, threshold_s, group_by):
    b = buckets(before, metric, match)
    a = buckets(after, metric, match)
    rows = {}
    for key, counts in a.items():
        prior = b.get(key, {})
        group = dict(key).get(group_by, "?")
        total, fast = rows.get(group, (0.0, 0.0))
        bound = min((le for le in counts if le >= threshold_s), default=float("inf"))
        total += counts[float("inf")] - prior.get(float("inf"), 0.0)
        fast += counts[bound] - prior.get(bound, 0.0)
        rows[group] = (total, fast)
    return rows


def main():
    before, after, cluster, threshold_ms = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    threshold_s = threshold_ms / 1000.0
    http = tail(before, after, "throome_http_request_duration_seconds",
                {"route": "/api/v1/clusters/{id}/cache/get"}, threshold_s, "route")
    backend = tail(before, after, "throome_backend_request_duration_seconds",
                   {"cluster": cluster}, threshold_s, "service")
    for name, (total, fast) in [("http", v) for v in http.values()] + sorted(backend.items()):
        slow = total - fast
        share = 100.0 * slow / total if total else 0.0
        print(f"    {name:<8} {int(total):>9} requests, {int(slow):>7} over {threshold_ms:g} ms "
              f"({share:.2f} %)")


if __name__ == "__main__":
    main()
