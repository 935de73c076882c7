-- wrk: the state-wide gap matrix (100 counties x 33 needs) as a network member.
request = function()
  local body = '{"query":"{ gapMatrix { county { fips } need { code } providerCount withContact withActiveMou htTrained status } }"}'
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN") }, body)
end
-- Shared wrk summary: one machine-readable line.
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT rps=%.1f p50=%.2f p95=%.2f p99=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors))
end
