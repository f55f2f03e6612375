dofile(os.getenv("SALUS_BENCH_LUA") .. "/report.lua")
