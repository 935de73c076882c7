-- wrk: the same state-wide gap matrix as the CSV download (no GraphQL execution).
request = function()
  return wrk.format("GET", "/exports/gap-matrix.csv", { ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN") })
end
-- Shared wrk summary: one machine-readable line.
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT rps=%.1f p50=%.2f p95=%.2f p99=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors))
end
