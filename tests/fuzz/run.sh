#!/usr/bin/env bash
# Fuzzes every tests/fuzz/fuzz_*.c target with libFuzzer for SECONDS each.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     (make fuzz: FUZZ_SECONDS=60)
#
# Builds with clang -fsanitize=fuzzer,address,undefined and the Makefile's
# flags (minus the gcc-only warnings) into build/fuzz/. Each target starts
# from a copy of tests/fuzz/corpus/<name>/ plus tests/fuzz/regressions/<name>/
# in build/fuzz/corpus-<name>/, where new inputs go (the committed corpus is
# never written). <name> is the file name without "fuzz_" and ".c", as in the
# Makefile's fuzz-replay rule. A crash, leak, timeout or OOM input is copied
# into tests/fuzz/regressions/<name>/ and the script exits non-zero after
# running the remaining targets.
set -euo pipefail

cd "$(dirname "$0")/../.."
secs=${1:-60}
shift || true
case $secs in
'' | *[!0-9]*)
    echo "usage: tests/fuzz/run.sh [SECONDS] [TARGET...]" >&2
    exit 2
    ;;
esac

CC=${FUZZ_CC:-clang}
OUT=build/fuzz
PKGS="libmicrohttpd jansson libsodium libutf8proc libzip libxml-2.0 libcurl"

CSTD=(-std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE)
WARN=(-Wall -Wextra -Wpedantic -Werror
      -Wshadow -Wconversion -Wcast-qual -Wpointer-arith
      -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition
      -Wwrite-strings -Wvla -Wformat=2 -Wundef -Wdouble-promotion
      -Wimplicit-fallthrough -Wnull-dereference -fno-common
      -Wcomma -Wunreachable-code)
# shellcheck disable=SC2207
PKG_CFLAGS=($(pkg-config --cflags $PKGS))
# shellcheck disable=SC2207
PKG_LIBS=($(pkg-config --libs $PKGS))
SAN=(-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
CFLAGS=("${CSTD[@]}" "${WARN[@]}" -Iserver -Ibuild/gen "${PKG_CFLAGS[@]}" -pthread "${SAN[@]}")

# The server code the parsers need; linked from an archive, so each target
# pulls in only what it uses.
SERVER_SRC=(server/core/*.c server/crypto/crypto.c server/config/config.c server/json/json.c
            server/http/parse.c server/http/request.c server/router/router.c
            server/integrations/whatsapp.c server/integrations/whatsapp_webhook.c
            server/leads/cursor.c
            server/unicode/unicode.c server/workspaces/roles.c
            server/knowledge/chunk.c server/knowledge/docx.c server/knowledge/search_terms.c
            server/knowledge/upload_url.c server/knowledge/doctype.c
            server/integrations/httpc.c server/crm/retry.c server/events/note.c
            server/integrations/llm.c
            server/agents/handoff.c server/agents/prompt.c server/agents/extractive.c)

export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0

mkdir -p "$OUT/obj"
objs=()
for src in "${SERVER_SRC[@]}"; do
    obj=$OUT/obj/${src//\//_}
    obj=${obj%.c}.o
    if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find server -name '*.h' -newer "$obj" -print -quit)" ]; then
        echo "  CC-FUZZ $src"
        "$CC" "${CFLAGS[@]}" -fsanitize=fuzzer-no-link -c -o "$obj" "$src"
    fi
    objs+=("$obj")
done
rm -f "$OUT/libpiloto.a"
ar rcs "$OUT/libpiloto.a" "${objs[@]}"

if [ $# -gt 0 ]; then
    targets=()
    for t in "$@"; do
        targets+=("tests/fuzz/fuzz_${t#fuzz_}.c")
    done
else
    targets=(tests/fuzz/fuzz_*.c)
fi

failed=()
for src in "${targets[@]}"; do
    base=$(basename "$src" .c)
    name=${base#fuzz_}
    bin=$OUT/$base
    echo "  LD-FUZZ $bin"
    "$CC" "${CFLAGS[@]}" -fsanitize=fuzzer -o "$bin" "$src" "$OUT/libpiloto.a" \
        "${PKG_LIBS[@]}" -lm

    corpus=$OUT/corpus-$name
    artifacts=$OUT/artifacts-$name
    regress=tests/fuzz/regressions/$name
    mkdir -p "$corpus" "$regress"
    rm -rf "$artifacts"
    mkdir -p "$artifacts"
    for d in tests/fuzz/corpus/$name "$regress"; do
        if [ -d "$d" ]; then
            find "$d" -maxdepth 1 -type f ! -name '.*' -exec cp -f {} "$corpus"/ \;
        fi
    done

    echo "== fuzz $name for ${secs}s"
    if "$bin" -max_total_time="$secs" -dict=tests/fuzz/http.dict -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "$corpus" >"$OUT/$base.log" 2>&1; then
        grep -E '^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+ *DONE)' \
            "$OUT/$base.log" | tr '\n' ' ' || true
        echo
    else
        echo "!! $name failed; log in $OUT/$base.log"
        grep -E 'ERROR|SUMMARY|invariant failed|runtime error' "$OUT/$base.log" | head -5 || true
        found=0
        for f in "$artifacts"/*; do
            [ -f "$f" ] || continue
            cp -f "$f" "$regress/"
            echo "!! input saved as $regress/$(basename "$f")"
            found=1
        done
        [ $found -eq 1 ] || echo "!! no crashing input was written"
        failed+=("$name")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failures in: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} targets, no findings"
