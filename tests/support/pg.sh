#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for tests, on 127.0.0.1 only.
#
#   tests/support/pg.sh start DIR [PORT]   initialise DIR if needed, start, create database
#                                          `piloto`, print postgres://postgres@127.0.0.1:PORT/piloto
#   tests/support/pg.sh stop DIR           stop (fast mode: sessions are disconnected); no-op if down
#   tests/support/pg.sh restart DIR        stop and start again, same port
#   tests/support/pg.sh url DIR            print the URL again
#
# PORT is required the first time (it is kept in DIR/port). The cluster lives
# in DIR/data, its log in DIR/log, its unix socket in DIR. Authentication is
# `trust` and durability is off (fsync=off): for tests only, never for data
# you want to keep. initdb refuses to run as root, so as root the server
# binaries run as the `postgres` user (Debian's postgresql package creates
# it) and DIR is chowned to it. Only the URL goes to stdout; the rest to stderr.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

usage() {
    echo "usage: $0 start DIR [PORT] | stop DIR | restart DIR | url DIR" >&2
    exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
port=${3:-}

# Run a server binary as postgres when we are root, as ourselves otherwise.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

abs_dir() {
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    data=$dir/data
}

read_port() {
    if [ -z "$port" ]; then
        [ -f "$dir/port" ] || { echo "pg.sh: no port given and none recorded in $dir/port" >&2; exit 2; }
        port=$(cat "$dir/port")
    fi
    case $port in
        '' | *[!0-9]*) echo "pg.sh: invalid port '$port'" >&2; exit 2 ;;
    esac
}

is_running() {
    [ -f "$data/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1
}

init_cluster() {
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            echo "pg.sh: user postgres cannot reach $dir (check the parent directories' modes)" >&2
            exit 1
        fi
    fi
    as_pg "$PGBIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >&2
    cat >>"$data/postgresql.conf" <<EOF

# pg.sh: a throw-away test cluster.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 50
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
EOF
    echo "$port" >"$dir/port"
}

set_port() {
    # A different PORT on an existing cluster: the last `port =` line wins.
    if [ "$(cat "$dir/port")" != "$port" ]; then
        echo "port = $port" | as_pg tee -a "$data/postgresql.conf" >/dev/null
        echo "$port" >"$dir/port"
    fi
}

start() {
    abs_dir
    if [ ! -f "$data/PG_VERSION" ]; then
        [ -n "$port" ] || { echo "pg.sh: PORT is required to initialise $dir" >&2; exit 2; }
        read_port
        init_cluster
    else
        read_port
        set_port
    fi
    if ! is_running; then
        as_pg "$PGBIN/pg_ctl" -D "$data" -l "$dir/log" -w -t 60 start >&2
    fi
    if [ "$(as_pg "$PGBIN/psql" -h "$dir" -p "$port" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'piloto'")" != 1 ]; then
        as_pg "$PGBIN/createdb" -h "$dir" -p "$port" -U postgres piloto
    fi
    url
}

stop() {
    abs_dir
    if is_running; then
        as_pg "$PGBIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >&2
    fi
}

url() {
    read_port
    echo "postgres://postgres@127.0.0.1:$port/piloto"
}

case $cmd in
    start) start ;;
    stop) stop ;;
    restart)
        stop
        start >/dev/null
        ;;
    url)
        abs_dir
        url
        ;;
    *) usage ;;
esac
