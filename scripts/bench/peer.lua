-- wrk: the same search through PostGraphile (a SQL function exposed as a query field).
dofile("scripts/bench/common.lua")
local needs = { "acute.housing", "acute.emergency_response_24h", "transitional.legal", "acute.medical", "transitional.mental_health" }
request = function()
  local lat = 34.2 + math.random() * 2.2
  local lon = -83.5 + math.random() * 7.5
  local need = needs[math.random(#needs)]
  local body = string.format(
    '{"query":"query($lat: Float!, $lon: Float!, $need: String!){ benchNearest(lat: $lat, lon: $lon, need: $need) { nodes { id name } } }","variables":{"lat":%f,"lon":%f,"need":"%s"}}',
    lat, lon, need)
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" }, body)
end
