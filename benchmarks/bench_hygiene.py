"""What refusing bad input at the door (core/hygiene.py) costs a request that is fine.

    .venv/bin/python benchmarks/bench_hygiene.py [--calls 20000]

Three requests as they reach the middleware: an Open311 POST (a form, 7 fields), a staff JSON POST
(a case report) and a GET with 6 query parameters. Each is built once per call with Django's
RequestFactory; the middleware's checks (path, query, body) are timed with perf_counter_ns around
them alone, after the body has been read, so only the work the middleware adds is counted (the view
parses request.POST / the JSON body anyway). No database is touched.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import _common  # noqa: F401  settings for the benchmarks

import django

django.setup()

from django.test import RequestFactory  # noqa: E402

from civicloop.core import hygiene  # noqa: E402

FACTORY = RequestFactory()
OPEN311 = {"api_key": "k" * 32, "service_code": "06010", "lat": "23.367", "long": "103.385",
           "description": "天马路与银河路交叉口垃圾桶满溢，垃圾散落一地，有异味" * 3, "address_string": "天马路12号",
           "email": ""}
CASE = {"lon": 103.385, "lat": 23.367, "crs": "gcj02", "category": "06010", "description": "路边暴露垃圾" * 20,
        "address": "天马路12号", "channel": "hotline", "reporter_name": "张三", "reporter_phone": "13800138000"}
QUERY = {"state": "filed,dispatched", "street": "532503001", "category": "06010", "q": "垃圾", "limit": "50",
         "cursor": "abc123"}


def requests():
    yield "Open311 POST (form)", lambda: FACTORY.post("/open311/v2/requests.json", OPEN311)
    yield "API POST (JSON)", lambda: FACTORY.post("/api/cases", json.dumps(CASE), content_type="application/json")
    yield "API GET (6 query parameters)", lambda: FACTORY.get("/api/cases", QUERY)


def time_one(make) -> float:
    request = make()
    request.body, request.POST  # noqa: B018  the view reads these anyway: not the middleware's cost
    start = time.perf_counter_ns()
    refused = hygiene.path_refusal(request) or hygiene.query_refusal(request) or hygiene.body_refusal(request)
    elapsed = time.perf_counter_ns() - start
    assert refused is None
    return elapsed / 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    print(f"machine: {_common.cpu_model()}, {_common.os.cpu_count()} cores")
    for label, make in requests():
        times = sorted(time_one(make) for _ in range(args.calls))
        p99 = times[int(len(times) * 0.99)]
        print(f"{label:32s} median {statistics.median(times):6.1f} µs   p99 {p99:6.1f} µs   ({args.calls} calls)")


if __name__ == "__main__":
    main()
