-- wrk: nearest 10 providers for a need near a random point in North Carolina,
-- through searchProviders. Prints one RESULT line.
math.randomseed(os.time())
local needs = { "acute.housing", "acute.emergency_response_24h", "transitional.legal", "acute.medical", "transitional.mental_health" }
request = function()
  local lat = 34.2 + math.random() * 2.2
  local lon = -83.5 + math.random() * 7.5
  local need = needs[math.random(#needs)]
  local body = string.format(
    '{"query":"query($f: ProviderFilter){ searchProviders(filter: $f, first: 10) { nodes { provider { id name } distanceKm } } }","variables":{"f":{"needs":["%s"],"near":{"lat":%f,"lon":%f}}}}',
    need, lat, lon)
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" }, body)
end
-- Shared wrk summary: one machine-readable line.
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT rps=%.1f p50=%.2f p95=%.2f p99=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors))
end
