#!/usr/bin/env python3
"""Throome from Python with only the standard library: cache, database and queue calls.

    python3 examples/python/quickstart.py [URL] [CLUSTER]

URL defaults to $THROOME_URL, else http://127.0.0.1:9000; CLUSTER to $THROOME_CLUSTER, else
demo. $THROOME_TOKEN, when set, is sent as "Authorization: Bearer ..." and never printed.
"""

import base64
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


class ThroomeError(Exception):
    """A call failed: the daemon's error message and HTTP status (0 when unreachable)."""

    def __init__(self, message, status=0, body=None):
        super().__init__(message)
        self.status = status
        self.body = body


class Throome:
    """A tiny client of one cluster: each method is one REST call."""

    def __init__(self, url, cluster, token=None, timeout=30):
        self.url = url.rstrip("/")
        self.cluster = cluster
        self.token = token
        self.timeout = timeout

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as e:
            payload = e.read()
            try:
                error = json.loads(payload)
                message = error.get("error", str(e))
            except ValueError:
                error, message = None, str(e)
            raise ThroomeError(message, e.code, error) from None
        except (urllib.error.URLError, OSError) as e:
            raise ThroomeError("cannot reach %s: %s" % (self.url, getattr(e, "reason", e)))

    def _cluster(self, suffix, body=None, method="POST"):
        path = "/api/v1/clusters/%s%s" % (urllib.parse.quote(self.cluster, safe=""), suffix)
        return self._call(method, path, body)

    def health(self):
        return self._call("GET", "/health")

    # Cache: values travel as base64, so any bytes round-trip.
    def cache_set(self, key, value: bytes, ttl=0):
        body = {"key": key, "value": base64.b64encode(value).decode(), "encoding": "base64"}
        if ttl:
            body["ttl"] = ttl
        return self._cluster("/cache/set", body)

    def cache_get(self, key):
        answer = self._cluster("/cache/get", {"key": key, "encoding": "base64"})
        if answer.get("value") is None:
            return None
        return base64.b64decode(answer["value"])

    def db_query(self, sql, *args):
        return self._cluster("/db/query", {"query": sql, "args": list(args)})

    def publish(self, topic, message: str, key=None):
        body = {"topic": topic, "message": message}
        if key is not None:
            body["key"] = key
        return self._cluster("/queue/publish", body)

    def read(self, topic, cursor=None, wait_ms=2000):
        query = {"timeout_ms": wait_ms, "max": 100}
        if cursor:
            query["cursor"] = cursor
        else:
            query["from"] = "earliest"
        suffix = "/queue/topics/%s/records?%s" % (
            urllib.parse.quote(topic, safe=""), urllib.parse.urlencode(query))
        return self._cluster(suffix, method="GET")


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("THROOME_URL", "http://127.0.0.1:9000")
    cluster = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("THROOME_CLUSTER", "demo")
    client = Throome(url, cluster, os.environ.get("THROOME_TOKEN"))
    try:
        print("health:", client.health()["status"])

        client.cache_set("python:greeting", "hello from Python ✓".encode(), ttl=300)
        print("cache: python:greeting =", client.cache_get("python:greeting").decode())
        print("cache: python:missing =", client.cache_get("python:missing"))

        result = client.db_query("SELECT $1::text AS greeting, 6 * 7 AS answer", "hi")
        print("db:", json.dumps(result["rows"], sort_keys=True))

        delivery = client.publish("python-events", "hello from Python", key="user-1")
        print("queue: published to partition %d offset %d"
              % (delivery["partition"], delivery["offset"]))
        records = client.read("python-events")["records"]
        last = records[-1]["value"] if records else None
        print("queue: read %d record(s), last value %r" % (len(records), last))

        try:
            Throome(url, "no-such-cluster", client.token).cache_get("k")
        except ThroomeError as e:
            print("error: %s (HTTP %d)" % (e, e.status))
    except ThroomeError as e:
        print("quickstart: %s%s" % (e, " (HTTP %d)" % e.status if e.status else ""),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
