-- wrk: createReferral with consent checks, as an advocate sharing a consenting client's
-- name with a shelter. Every request has its own idempotency key, so each one writes a
-- referral, its event, follow-up, outbox event and audit entry.
local counter = 0
local thread_number = 0
setup = function(thread)
  thread_number = thread_number + 1
  thread:set("thread_tag", tostring(thread_number) .. "-" .. tostring(os.time()))
end
request = function()
  counter = counter + 1
  local body = string.format(
    '{"query":"mutation($k: String!, $i: ReferralCreate!){ createReferral(idempotencyKey: $k, input: $i) { id status } }","variables":{"k":"bench-%s-%d","i":{"serviceId":"%s","needCode":"acute.housing","urgency":"URGENT","clientId":"%s","shareFields":["NAME"],"county":"37183"}}}',
    thread_tag, counter, os.getenv("BENCH_SERVICE"), os.getenv("BENCH_CLIENT"))
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("BENCH_ADVOCATE") }, body)
end
-- Shared wrk summary: one machine-readable line.
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT rps=%.1f p50=%.2f p95=%.2f p99=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors))
end
