-- wrk: the state-wide gap matrix (100 counties x 33 needs) as a network member.
dofile("scripts/bench/common.lua")
local body = '{"query":"{ gapMatrix { county { fips } need { code } providerCount withContact withActiveMou htTrained status } }"}'
request = function()
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN") }, body)
end
