-- Shared by the wrk scripts (each loads it with dofile): seeds each thread's random
-- numbers, counts every response that is not a clean answer (a status other than 200,
-- or a GraphQL "errors" member: GraphQL reports failures with status 200), and prints
-- one machine-readable RESULT line for scripts/bench.sh.
local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + thread_number)
end

bad = 0

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local failed = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("bad")
  end
  io.write(string.format("RESULT rps=%.1f p50=%.2f p95=%.2f p99=%.2f bad=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, failed))
end
