-- wrk: setCapacity (issue 18) by a network admin: a new count of free beds (0-6) for one
-- of the bench services with a bed figure, drawn at random from the file BENCH_CAPACITY_SERVICES
-- names (one service id a line). Every request writes the figure, its history row and an
-- audit entry, and answers once this instance's index has the change.
dofile("scripts/bench/common.lua")
local services = {}
for line in io.lines(os.getenv("BENCH_CAPACITY_SERVICES")) do
  if line ~= "" then table.insert(services, line) end
end
request = function()
  local body = string.format(
    '{"query":"mutation($s: ID!, $n: Int!){ setCapacity(serviceId: $s, input: { unitCode: \\"bed\\", available: $n }) { state } }","variables":{"s":"%s","n":%d}}',
    services[math.random(#services)], math.random(0, 6))
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN") }, body)
end
