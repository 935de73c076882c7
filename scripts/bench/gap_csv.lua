-- wrk: the same state-wide gap matrix as the CSV download (no GraphQL execution).
dofile("scripts/bench/common.lua")
request = function()
  return wrk.format("GET", "/exports/gap-matrix.csv", { ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN") })
end
