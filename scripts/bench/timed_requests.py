"""Times a few sequential GraphQL requests too slow for wrk's runs to say much (the gap
matrix computed by PostgreSQL): prints "rps=… avg=… bad=…" like the pgbench results.
Usage: timed_requests.py URL TOKEN COUNT QUERY"""
import json
import sys
import time
import urllib.request

url, token, count, query = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
took, bad = [], 0
for _ in range(count):
    request = urllib.request.Request(url, json.dumps({"query": query}).encode(),
                                     {"content-type": "application/json", "authorization": f"Bearer {token}"})
    started = time.perf_counter()
    try:
        body = json.load(urllib.request.urlopen(request, timeout=60))
        bad += 1 if body.get("errors") or not body.get("data") else 0
    except Exception:
        bad += 1
    took.append(time.perf_counter() - started)
mean = sum(took) / len(took)
print(f"rps={1 / mean:.2f} avg={mean * 1000:.1f} bad={bad}")
