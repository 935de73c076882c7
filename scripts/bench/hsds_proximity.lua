-- wrk: the HSDS face of the same search: the first 10 services at locations within 50 km
-- of a random point in North Carolina covering one of five needs (their FUTURES term ids,
-- in BENCH_NEED_TERMS), through GET /hsds/service_at_locations?proximity=…, anonymously.
dofile("scripts/bench/common.lua")
local terms = {}
for id in string.gmatch(os.getenv("BENCH_NEED_TERMS") or "", "[^,]+") do
  table.insert(terms, id)
end
request = function()
  local lat = 34.2 + math.random() * 2.2
  local lon = -83.5 + math.random() * 7.5
  local path = string.format("/hsds/service_at_locations?proximity=%f,%f,50000&taxonomy_term_id=%s&per_page=10",
    lat, lon, terms[math.random(#terms)])
  return wrk.format("GET", path)
end
