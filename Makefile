# Salus: `make run` starts the server, `make test` runs every test. Both install what is missing.
BUILD_DIR ?= build
SANITIZE ?= 0
FUZZ_SECONDS ?= 60
FUZZ_FHIRPATH_SECONDS ?= 30
FUZZ_MERKLE_SECONDS ?= 15
FUZZ_AUTH_SECONDS ?= 15
LISTEN ?= 127.0.0.1:8080
DATA ?= ./data
CMAKE_FLAGS ?=

ifeq ($(SANITIZE),1)
  BUILD_DIR := build-asan
  CMAKE_FLAGS += -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALUS_SANITIZE=ON
else
  CMAKE_FLAGS += -DCMAKE_BUILD_TYPE=Release
endif

.PHONY: deps configure build run test fuzz bench clean

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja:
	@cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS) > /dev/null

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	@ninja -C $(BUILD_DIR) $(if $(CI),,--quiet) salus

build-all: configure
	@ninja -C $(BUILD_DIR)

run: build
	@mkdir -p $(DATA)
	$(BUILD_DIR)/bin/salus serve --listen $(LISTEN) --data $(DATA) --auth smart

test: configure
	@ninja -C $(BUILD_DIR)
	@cd $(BUILD_DIR) && ctest --output-on-failure -j2 --timeout 900
	@if [ "$(SANITIZE)" != 1 ]; then $(MAKE) --no-print-directory fuzz; fi

fuzz: deps
	@cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALUS_FUZZ=ON \
	  -DSALUS_BUILD_TESTS=OFF -DCMAKE_CXX_COMPILER=clang++-16 > /dev/null
	@ninja -C build-fuzz --quiet fuzz_validate fuzz_fhirpath fuzz_merkle fuzz_auth
	@mkdir -p build-fuzz/corpus build-fuzz/corpus-fhirpath build-fuzz/corpus-merkle build-fuzz/corpus-auth
	@build-fuzz/bin/fuzz_validate -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 \
	  -print_final_stats=1 build-fuzz/corpus fuzz/seeds 2>build-fuzz/fuzz.log \
	  && echo "fuzz_validate: $(FUZZ_SECONDS)s without a crash ($$(grep -o 'stat::number_of_executed_units: *[0-9]*' build-fuzz/fuzz.log | grep -o '[0-9]*$$') inputs)" \
	  || { tail -50 build-fuzz/fuzz.log; exit 1; }
	@build-fuzz/bin/fuzz_fhirpath -max_total_time=$(FUZZ_FHIRPATH_SECONDS) -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
	  -print_final_stats=1 build-fuzz/corpus-fhirpath fuzz/seeds-fhirpath 2>build-fuzz/fuzz-fhirpath.log \
	  && echo "fuzz_fhirpath: $(FUZZ_FHIRPATH_SECONDS)s without a crash ($$(grep -o 'stat::number_of_executed_units: *[0-9]*' build-fuzz/fuzz-fhirpath.log | grep -o '[0-9]*$$') inputs)" \
	  || { tail -50 build-fuzz/fuzz-fhirpath.log; exit 1; }
	@build-fuzz/bin/fuzz_merkle -max_total_time=$(FUZZ_MERKLE_SECONDS) -max_len=256 -rss_limit_mb=2048 -timeout=10 \
	  -print_final_stats=1 build-fuzz/corpus-merkle 2>build-fuzz/fuzz-merkle.log \
	  && echo "fuzz_merkle: $(FUZZ_MERKLE_SECONDS)s, no altered proof accepted ($$(grep -o 'stat::number_of_executed_units: *[0-9]*' build-fuzz/fuzz-merkle.log | grep -o '[0-9]*$$') inputs)" \
	  || { tail -50 build-fuzz/fuzz-merkle.log; exit 1; }
	@build-fuzz/bin/fuzz_auth -max_total_time=$(FUZZ_AUTH_SECONDS) -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
	  -print_final_stats=1 build-fuzz/corpus-auth fuzz/seeds-auth 2>build-fuzz/fuzz-auth.log \
	  && echo "fuzz_auth: $(FUZZ_AUTH_SECONDS)s, scopes and client assertions, no forgery verified ($$(grep -o 'stat::number_of_executed_units: *[0-9]*' build-fuzz/fuzz-auth.log | grep -o '[0-9]*$$') inputs)" \
	  || { tail -50 build-fuzz/fuzz-auth.log; exit 1; }

bench: build
	@ninja -C $(BUILD_DIR) --quiet bench_limit_server bench_ingest
	@BUILD_DIR=$(CURDIR)/$(BUILD_DIR) bench/run

clean:
	rm -rf build build-asan build-fuzz
