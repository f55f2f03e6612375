-- GET /fhir/Patient/<id> over ids bench-1 .. bench-N (N from the first script argument),
-- with a bearer token when SALUS_BENCH_TOKEN is set.
local count = 1000
local headers = {}
function init(args)
  count = tonumber(args[1]) or count
  local token = os.getenv("SALUS_BENCH_TOKEN")
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function request()
  return wrk.format("GET", "/fhir/Patient/bench-" .. math.random(1, count), headers)
end
dofile(os.getenv("SALUS_BENCH_LUA") .. "/report.lua")
