#!/usr/bin/env bash
# make lint: layering rules (STYLE.md §1, §8), clang-tidy and cppcheck.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
rule() { # rule PATTERN ALLOWED_REGEX MESSAGE
    local hits
    hits=$(grep -rlE "$1" server --include='*.[ch]' | grep -vE "$2" || true)
    if [ -n "$hits" ]; then
        echo "lint: $3:"; echo "$hits" | sed 's/^/  /'; fail=1
    fi
}
rule '#include <microhttpd.h>' '^server/http/' 'microhttpd.h outside server/http'
rule '#include <sqlite3.h>' '^server/db/sqlite.c$' 'sqlite3.h outside server/db/sqlite.c'
rule '#include <libpq-fe.h>' '^server/db/postgres.c$' 'libpq-fe.h outside server/db/postgres.c'
rule '#include <curl/curl.h>' '^server/integrations/httpc.c$' 'curl.h outside server/integrations/httpc.c'
rule '#include <sodium.h>' '^server/crypto/' 'sodium.h outside server/crypto'
rule '#include <(zip.h|libxml/)' '^server/knowledge/docx.c$' 'libzip or libxml2 outside server/knowledge/docx.c'
rule '\bjson_t\b' '^server/(json|routes)/' 'json_t outside server/json and server/routes'
rule '\bgetenv\(' '^server/config/config.c$' 'getenv outside server/config/config.c'
rule '#include "(routes|router|middleware)/' '^server/(main.c|routes/|router/|middleware/)' 'a lower layer includes an upper one'
rule '#include "(auth|session|workspaces|events)/' '^server/(main.c|routes/|middleware/|auth/|session/|workspaces/|events/|leads/|whatsapp/|crm/|replies/)' 'a wrapper or core includes a domain module'
rule '#include "knowledge/' '^server/(main.c|routes/|jobs/|knowledge/|replies/)' 'a wrapper or core includes a domain module'
rule '#include "(http|db|crypto|json|config|unicode)/' '^server/(main.c|app.h|routes/|router/|middleware/|auth/|session/|workspaces/|knowledge/|events/|jobs/|agents/|leads/|whatsapp/|crm/|replies/|integrations/|http/|db/|crypto/|json/|config/|unicode/)' 'core includes a wrapper'
rule '#include <utf8proc.h>' '^server/unicode/unicode.c$' 'utf8proc.h outside server/unicode/unicode.c'
# server/crypto/ wraps the cryptography libraries: libsodium for what it offers,
# OpenSSL for what it lacks (RSA: verifying RS256 ID tokens, signing GOOG4-RSA-SHA256).
rule '#include <openssl/' '^server/crypto/' 'openssl outside server/crypto'
rule '#include "app.h"' '^server/(main.c|routes/|middleware/)' 'app.h below the routes and middleware'
rule '#include <jansson.h>' '^server/json/' 'jansson.h outside server/json'
rule '#include "json/value.h"' '^server/(json|routes)/' 'json/value.h (json_t) outside server/json and server/routes'

# only DIR ALLOWED...: files in server/DIR include project headers from DIR and ALLOWED only.
# The layers, bottom up: core; crypto; the other wrappers, none including a sibling;
# integrations; the domain modules; router, middleware and routes; main.c.
only() {
    local dir=$1 hits
    shift
    local allowed="$dir"
    for a in "$@"; do allowed="$allowed|$a"; done
    hits=$(grep -rnE '#include "' "server/$dir" --include='*.[ch]' |
        grep -vE "#include \"($allowed)/" || true)
    if [ -n "$hits" ]; then
        echo "lint: server/$dir may include only $* and itself:"; echo "$hits" | sed 's/^/  /'; fail=1
    fi
}
only core
only crypto core
only config core crypto
only json core crypto
only http core crypto
only db core crypto
only unicode core
only integrations core crypto json
# The domain modules: wrappers and integrations below them; session below auth, auth below
# workspaces; never http (the request is the routes' business).
only session core crypto config db
only auth core crypto config db integrations session unicode jobs
only jobs core crypto config db integrations json
only workspaces core crypto config db auth session unicode
only agents core crypto config db integrations unicode jobs json
only leads core crypto config db unicode events crm
# The CRM push: hears of lead changes (from leads), mails admins (auth), names them (workspaces).
only crm core crypto config db json integrations jobs auth session workspaces unicode
only whatsapp core crypto config db json integrations agents leads jobs events
only knowledge core crypto config db integrations
only events core crypto config db
# Agent replies: the pipeline above agents, knowledge, leads and the WhatsApp send.
only replies core crypto config db json integrations jobs agents knowledge leads whatsapp events auth unicode
only router core http

if command -v clang-tidy >/dev/null 2>&1; then
    files=$(find server -name '*.c' | sort)
    inc="-Iserver -Ibuild/gen $(pkg-config --cflags libmicrohttpd jansson libsodium sqlite3 libpq libcurl libutf8proc libzip libxml-2.0)"
    # Read whole first: under pipefail, clang-tidy's own failure exit would hide its findings.
    tidy=$(clang-tidy --quiet $files -- -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
        $inc 2>/dev/null || true)
    if grep -E 'warning:|error:' <<<"$tidy"; then fail=1; fi
fi
if command -v cppcheck >/dev/null 2>&1; then
    cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
        --std=c11 -Iserver -Ibuild/gen -D_POSIX_C_SOURCE=200809L server || fail=1
fi
[ $fail -eq 0 ] && echo "lint: clean"
exit $fail
