-- wrk: createReferral with consent checks, as an advocate sharing a consenting client's
-- name with a shelter. Every request has its own idempotency key, so each one writes a
-- referral, its events, follow-up and reminders, outbox event and audit entry.
dofile("scripts/bench/common.lua")
local counter = 0
local run = nil
request = function()
  run = run or string.format("%d-%d-%d", os.time(), thread_number, math.random(1e9))
  counter = counter + 1
  local body = string.format(
    '{"query":"mutation($k: String!, $i: ReferralCreate!){ createReferral(idempotencyKey: $k, input: $i) { id status } }","variables":{"k":"bench-%s-%d","i":{"serviceId":"%s","needCode":"acute.housing","urgency":"URGENT","clientId":"%s","shareFields":["NAME"],"county":"37183"}}}',
    run, counter, os.getenv("BENCH_SERVICE"), os.getenv("BENCH_CLIENT"))
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("BENCH_ADVOCATE") }, body)
end
