-- POST /fhir/Patient with a small patient.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/fhir+json"
wrk.headers["Prefer"] = "return=minimal"
wrk.body = '{"resourceType":"Patient","identifier":[{"system":"urn:bench","value":"x"}],' ..
  '"name":[{"family":"Bench","given":["Load"]}],"gender":"other","birthDate":"1980-01-01"}'
dofile(os.getenv("SALUS_BENCH_LUA") .. "/report.lua")
