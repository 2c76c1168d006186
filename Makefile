# Piloto: the only entry point. `make run` serves the dashboard + API on :8080,
# `make test` runs every test. See README.md.

CC        ?= gcc
PKGS      := libmicrohttpd jansson libsodium sqlite3 libpq libcurl openssl libutf8proc libzip libxml-2.0
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CSTD       := -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN       := -Wall -Wextra -Wpedantic -Werror \
              -Wshadow -Wconversion -Wcast-qual -Wpointer-arith \
              -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition \
              -Wwrite-strings -Wvla -Wformat=2 -Wundef -Wdouble-promotion \
              -Wimplicit-fallthrough -Wnull-dereference -fno-common
WARN_GCC   := -Wduplicated-cond -Wduplicated-branches -Wlogical-op -Wrestrict -Wjump-misses-init
WARN_CLANG := -Wcomma -Wunreachable-code
HARDEN     := -fstack-protector-strong -fstack-clash-protection -fPIE -fcf-protection
RELEASE    := -O2 -g -D_FORTIFY_SOURCE=3 $(HARDEN)
LDHARDEN   := -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack
SAN        := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer -U_FORTIFY_SOURCE
TSAN       := -O1 -g -fsanitize=thread
FUZZ       := -O1 -g -fsanitize=fuzzer,address,undefined

ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null | head -1)),clang)
  WARN += $(WARN_CLANG)
else
  WARN += $(WARN_GCC)
endif

INC        := -Iserver -Ibuild/gen
CFLAGS_ALL  = $(CSTD) $(WARN) $(INC) $(PKG_CFLAGS) -MMD -MP -pthread
LIBS        = $(PKG_LIBS) -pthread -lm

SRC        := $(shell find server -name '*.c' ! -path 'server/main.c' | sort)
MIGRATIONS := $(sort $(wildcard server/db/migrations/*/*.sql))
GEN        := build/gen/migrations.c build/gen/common_passwords.c
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))

OBJ        := $(SRC:%.c=build/obj/%.o) build/obj/gen/migrations.o build/obj/gen/common_passwords.o
SAN_OBJ    := $(SRC:%.c=build/san/%.o) build/san/gen/migrations.o build/san/gen/common_passwords.o
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
UNIT_SAN   := $(UNIT_SRC:tests/unit/%.c=build/san/tests/%)
TSAN_OBJ   := $(SRC:%.c=build/tsan/%.o) build/tsan/gen/migrations.o build/tsan/gen/common_passwords.o
# The threaded modules' tests under ThreadSanitizer (make unit-tsan; not part of make test).
UNIT_TSAN  := build/tsan/tests/test_jobs build/tsan/tests/test_workpool
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/san/replay/%)

PY         := /usr/bin/python3
export ASAN_OPTIONS  := detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
# Test vectors every checkout finds beside the main one (../shared/testdata).
SHARED_DIR ?= $(abspath $(firstword $(wildcard ../shared $(dir $(abspath $(shell git rev-parse --git-common-dir 2>/dev/null)))../shared)))
export PILOTO_TESTDATA ?= $(SHARED_DIR)/testdata
# Documents of every format, good and bad, for the extraction tests.
export PILOTO_TESTDOCS := $(CURDIR)/build/testdocs
build/testdocs/.stamp: tests/support/mkdocs.py
	@mkdir -p $(dir $@)
	$(PY) tests/support/mkdocs.py $(dir $@) && touch $@
export LSAN_OPTIONS  := suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0

.PHONY: all deps run test test-web unit unit-san unit-tsan unit-pg integration integration-sqlite integration-postgres \
        fuzz-replay fuzz bench lint fmt clean web e2e

all: build/piloto

deps:
	@tools/deps.sh

build/piloto: $(OBJ) build/obj/server/main.o
	@echo '  LD     $@'
	@$(CC) $(LDHARDEN) -o $@ $^ $(LIBS)

build/san/piloto: $(SAN_OBJ) build/san/server/main.o
	@echo '  LD-SAN $@'
	@$(CC) $(SAN) -o $@ $^ $(LIBS)

build/obj/%.o: %.c | $(GEN)
	@mkdir -p $(dir $@)
	@echo '  CC     $<'
	@$(CC) $(CFLAGS_ALL) $(RELEASE) -c -o $@ $<

build/san/%.o: %.c | $(GEN)
	@mkdir -p $(dir $@)
	@echo '  CC-SAN $<'
	@$(CC) $(CFLAGS_ALL) $(SAN) -c -o $@ $<

build/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	@echo '  CC     $<'
	@$(CC) $(CFLAGS_ALL) $(RELEASE) -c -o $@ $<

build/tsan/%.o: %.c | $(GEN)
	@mkdir -p $(dir $@)
	@echo '  CC-TSAN $<'
	@$(CC) $(CFLAGS_ALL) $(TSAN) -c -o $@ $<

build/tsan/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	@echo '  CC-TSAN $<'
	@$(CC) $(CFLAGS_ALL) $(TSAN) -c -o $@ $<

build/tsan/tests/%: tests/unit/%.c $(TSAN_OBJ)
	@mkdir -p $(dir $@)
	@echo '  LD-TSAN $@'
	@$(CC) $(CFLAGS_ALL) $(TSAN) -o $@ $< $(TSAN_OBJ) $(LIBS) -lcmocka

unit-tsan: deps $(UNIT_TSAN)
	@set -e; for t in $(UNIT_TSAN); do echo "== $$t (tsan)"; TSAN_OPTIONS=halt_on_error=1 $$t; done

build/san/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	@echo '  CC-SAN $<'
	@$(CC) $(CFLAGS_ALL) $(SAN) -c -o $@ $<

build/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -o $@ $<

build/gen/migrations.c: build/tools/embed $(MIGRATIONS)
	@mkdir -p $(dir $@)
	build/tools/embed $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

# The common-password list (ASVS 2.1.7) comes from the zxcvbn npm package.
tools/passwords/node_modules/.package-lock.json: tools/passwords/package-lock.json
	cd tools/passwords && npm ci --silent --no-audit --no-fund

build/gen/common_passwords.c: tools/passwords/gen.js tools/passwords/node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	node tools/passwords/gen.js > $@.tmp && mv $@.tmp $@

build/tests/%: tests/unit/%.c $(OBJ)
	@mkdir -p $(dir $@)
	@echo '  LD     $@'
	@$(CC) $(CFLAGS_ALL) $(RELEASE) -o $@ $< $(OBJ) $(LIBS) -lcmocka

build/san/tests/%: tests/unit/%.c $(SAN_OBJ)
	@mkdir -p $(dir $@)
	@echo '  LD-SAN $@'
	@$(CC) $(CFLAGS_ALL) $(SAN) -o $@ $< $(SAN_OBJ) $(LIBS) -lcmocka

# Fuzz targets built with gcc + a tiny replay main(), so `make test` replays the
# corpus and every committed regression under ASan+UBSan.
build/san/replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(SAN_OBJ)
	@mkdir -p $(dir $@)
	@echo '  LD-SAN $@'
	@$(CC) $(CFLAGS_ALL) $(SAN) -o $@ $< tests/fuzz/replay.c $(SAN_OBJ) $(LIBS)

unit: deps $(UNIT_BIN) build/testdocs/.stamp
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

unit-san: deps $(UNIT_SAN) build/testdocs/.stamp
	@set -e; for t in $(UNIT_SAN); do echo "== $$t (asan+ubsan)"; $$t; done

# test_db against a throw-away PostgreSQL too, including its restart case; then
# test_jobs, and test_retrieve (the retrieval test set) in a database of its own beside it.
unit-pg: deps build/san/tests/test_db build/san/tests/test_jobs build/san/tests/test_retrieve
	@set -e; dir=$(CURDIR)/build/pg-unit; rm -rf $$dir; \
	  url=$$(tests/support/pg.sh start $$dir 55439); \
	  trap "tests/support/pg.sh stop $$dir >/dev/null 2>&1 || true" EXIT; \
	  echo "== build/san/tests/test_db (PostgreSQL)"; \
	  PILOTO_TEST_PG_URL=$$url PILOTO_TEST_PG_CTL=$(CURDIR)/tests/support/pg.sh \
	  PILOTO_TEST_PG_DIR=$$dir build/san/tests/test_db; \
	  echo "== build/san/tests/test_jobs (PostgreSQL)"; \
	  PILOTO_TEST_PG_URL=$$url build/san/tests/test_jobs; \
	  echo "== build/san/tests/test_retrieve (PostgreSQL)"; \
	  PILOTO_TEST_PG_URL=$$url build/san/tests/test_retrieve

fuzz-replay: deps $(REPLAY_BIN)
	@set -e; for t in $(REPLAY_BIN); do n=$$(basename $$t); \
	  echo "== replay $$n"; $$t tests/fuzz/corpus/$${n#fuzz_} tests/fuzz/regressions/$${n#fuzz_}; done

# The OpenID provider the Google sign-in tests run against, from its lockfile.
OIDC_DEPS := tests/support/oidc/node_modules/.package-lock.json
$(OIDC_DEPS): tests/support/oidc/package-lock.json tests/support/oidc/package.json
	cd tests/support/oidc && npm ci --silent --no-audit --no-fund

# The CRM receiver the CRM push tests verify deliveries with, from its lockfile.
CRM_DEPS := tests/support/crm/node_modules/.package-lock.json
$(CRM_DEPS): tests/support/crm/package-lock.json tests/support/crm/package.json
	cd tests/support/crm && npm ci --silent --no-audit --no-fund

integration-sqlite: deps build/piloto build/san/piloto $(OIDC_DEPS) $(CRM_DEPS)
	PILOTO_BIN=$(CURDIR)/build/san/piloto TEST_DB=sqlite $(PY) -m pytest -q tests/integration

integration-postgres: deps build/piloto build/san/piloto $(OIDC_DEPS) $(CRM_DEPS)
	PILOTO_BIN=$(CURDIR)/build/san/piloto TEST_DB=postgres $(PY) -m pytest -q tests/integration

integration: integration-sqlite integration-postgres

test: deps
	@$(MAKE) --no-print-directory unit unit-san unit-pg fuzz-replay test-web integration e2e

# The dashboard SPA (web/): npm packages from the lockfile, built to web/dist.
WEB_SRC := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
           $(wildcard web/tsconfig*.json)

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run build

web: deps web/dist/index.html

test-web: deps web/node_modules/.package-lock.json
	cd web && npm test

# Browser tests (tests/e2e): Debian's Chromium driven by playwright-core, in
# both topologies (same origin; nginx as the TLS front for app./api.).
tests/e2e/node_modules/.package-lock.json: tests/e2e/package.json tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund

# The SPA as the production topology ships it: the API on another origin.
build/e2e/dist-cross/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && VITE_API_URL=https://api.piloto.test npx vite build --outDir ../build/e2e/dist-cross --emptyOutDir

e2e: deps build/piloto web/dist/index.html build/e2e/dist-cross/index.html \
     tests/e2e/node_modules/.package-lock.json $(OIDC_DEPS)
	cd tests/e2e && npm test

run: deps build/piloto web/dist/index.html
	@mkdir -p data
	PILOTO_ENV=$${PILOTO_ENV:-dev} DATABASE_URL=$${DATABASE_URL:-sqlite:data/piloto.db} \
	  STATIC_DIR=$${STATIC_DIR-$(CURDIR)/web/dist} ./build/piloto serve

build/bench/argon2_rate: tests/bench/argon2_rate.c $(OBJ)
	@mkdir -p $(dir $@)
	@echo '  LD     $@'
	@$(CC) $(CFLAGS_ALL) $(RELEASE) -o $@ $< $(OBJ) $(LIBS)

build/bench/jobs_rate: tests/bench/jobs_rate.c $(OBJ)
	@mkdir -p $(dir $@)
	@echo '  LD     $@'
	@$(CC) $(CFLAGS_ALL) $(RELEASE) -o $@ $< $(OBJ) $(LIBS)

build/bench/knowledge_rate: tests/bench/knowledge_rate.c $(OBJ)
	@mkdir -p $(dir $@)
	@echo '  LD     $@'
	@$(CC) $(CFLAGS_ALL) $(RELEASE) -o $@ $< $(OBJ) $(LIBS)

bench: deps build/piloto build/bench/argon2_rate build/bench/jobs_rate build/bench/knowledge_rate
	tests/bench/bench.sh

fuzz: deps
	tests/fuzz/run.sh $${FUZZ_SECONDS:-60}

lint: build/piloto
	tools/lint.sh

fmt:
	clang-format -i $$(find server tests tools -name '*.[ch]')

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
