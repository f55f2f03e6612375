-- GET /fhir/Patient/<id> over ids bench-1 .. bench-N (N from the first script argument).
local count = 1000
function init(args)
  count = tonumber(args[1]) or count
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function request()
  return wrk.format("GET", "/fhir/Patient/bench-" .. math.random(1, count))
end
dofile(os.getenv("SALUS_BENCH_LUA") .. "/report.lua")
