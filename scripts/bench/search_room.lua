-- wrk: the search of search.lua with `hasCapacity: true` (issue 18): the 10 nearest
-- providers with room now at a service offering one of five needs.
dofile("scripts/bench/common.lua")
local needs = { "acute.housing", "acute.emergency_response_24h", "transitional.legal", "acute.medical", "transitional.mental_health" }
request = function()
  local lat = 34.2 + math.random() * 2.2
  local lon = -83.5 + math.random() * 7.5
  local need = needs[math.random(#needs)]
  local body = string.format(
    '{"query":"query($f: ProviderFilter){ searchProviders(filter: $f, first: 10) { nodes { provider { id name } distanceKm } } }","variables":{"f":{"needs":["%s"],"near":{"lat":%f,"lon":%f},"hasCapacity":true}}}',
    need, lat, lon)
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" }, body)
end
