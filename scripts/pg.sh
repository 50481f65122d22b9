#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for the tests: its own data directory and port, 127.0.0.1 only, trust
# for loopback, no fsync. Uses what Debian's `postgresql` package installed; downloads nothing.
#
#   scripts/pg.sh start    create (if needed) and start it; wait until it accepts connections;
#                          print the admin URL. Already running: just print the URL.
#   scripts/pg.sh stop     stop it (fast) and remove its data directory
#   scripts/pg.sh pause    stop it (fast) but keep its data: an outage, for fault tests
#   scripts/pg.sh resume   start the paused cluster again, with its data; print the admin URL
#   scripts/pg.sh url      print the admin URL (postgresql://postgres@127.0.0.1:55432/postgres)
#   scripts/pg.sh status   exit 0 and print the URL when it runs, exit 3 otherwise
#
# The port: MINA_PG_PORT when given; else a new cluster takes 55432 if that is free on 127.0.0.1,
# or else any free port (another PostgreSQL may hold 55432). The cluster's port is written in its
# postgresql.conf, and every command on an existing cluster reads it from there, so that url,
# status, stop, pause and resume agree with start without being told; a stopped cluster whose port
# was taken meanwhile moves to a free one when started. Use the URL start (or resume) prints.
#
# Environment: MINA_PG_DIR (data directory, default build/pg), MINA_PG_PORT (see above),
# MINA_PG_BIN (default /usr/lib/postgresql/15/bin), MINA_PG_DURABLE=1 (fsync and synchronous
# commit on, as in production: for benchmarks that compare with SQLite's synchronous = FULL).
#
# As root (initdb and postgres refuse to run as root) the cluster belongs to the `postgres` system
# user, which runs every server command through runuser; as any other user it is that user's own.
set -euo pipefail
cd "$(dirname "$0")/.."

PGBIN=${MINA_PG_BIN:-/usr/lib/postgresql/15/bin}
DEFAULT_PORT=55432
GIVEN_PORT=${MINA_PG_PORT:-}
DIR=$(realpath -m "${MINA_PG_DIR:-build/pg}")
LOG=$DIR/server.log

die() { echo "pg.sh: $*" >&2; exit 1; }

[[ -z $GIVEN_PORT || $GIVEN_PORT =~ ^[0-9]+$ ]] || die "MINA_PG_PORT must be a port number, not '$GIVEN_PORT'"

# The port an existing cluster was made with (the last `port =` of its postgresql.conf), if any.
conf_port() {
  [[ -f $DIR/postgresql.conf ]] || return 0
  sed -n 's/^port = \([0-9][0-9]*\).*/\1/p' "$DIR/postgresql.conf" | tail -n 1
}

# Whether nothing listens on 127.0.0.1:$1 (binding it is the test; python3 is a test dependency).
port_free() {
  python3 -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}

# A port nobody listens on now. Below the kernel's ephemeral range when it can (a port in that range
# may be taken by any outgoing connection while the cluster is paused); else one the kernel gives,
# as the HTTP tests take theirs.
free_port() {
  python3 -c 'import random, socket
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
for port in random.sample(range(20000, max(low, 20001)), min(200, max(low - 20000, 1))) + [0]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(s.getsockname()[1])
    break'
}

set_port() { PORT=$1; URL="postgresql://postgres@127.0.0.1:$PORT/postgres"; }

# An existing cluster keeps its port; MINA_PG_PORT, if given, must agree with it.
EXISTING_PORT=$(conf_port)
if [[ -n $EXISTING_PORT ]]; then
  [[ -z $GIVEN_PORT || $GIVEN_PORT == "$EXISTING_PORT" ]] ||
    die "the cluster in $DIR was made for port $EXISTING_PORT, not MINA_PG_PORT=$GIVEN_PORT (stop it first, or leave MINA_PG_PORT unset)"
  set_port "$EXISTING_PORT"
else
  set_port "${GIVEN_PORT:-$DEFAULT_PORT}"
fi
[[ -x $PGBIN/pg_ctl ]] || die "no PostgreSQL 15 at $PGBIN (scripts/install-deps.sh installs the package postgresql)"
# A unix socket path has at most 107 bytes.
((${#DIR} + 20 < 108)) || die "the data directory's path is too long for its unix socket: $DIR (set MINA_PG_DIR)"

as_owner() {  # runs a server command as the cluster's owner, from a directory that owner can read
  if [[ $(id -u) -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

running() { [[ -f $DIR/PG_VERSION ]] && as_owner "$PGBIN/pg_ctl" status -D "$DIR" >/dev/null 2>&1; }

ready() { "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres; }

create() {
  if [[ $(id -u) -eq 0 ]]; then
    getent passwd postgres >/dev/null || die "no postgres system user (is the package postgresql installed?)"
    # The postgres user must be able to reach the directory: every parent must be searchable.
    local parent; parent=$(dirname "$DIR")
    mkdir -p "$parent"
    runuser -u postgres -- test -x "$parent" || die "the postgres user cannot reach $parent (set MINA_PG_DIR elsewhere, e.g. /tmp/mina-pg)"
  fi
  rm -rf "$DIR"
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  [[ $(id -u) -ne 0 ]] || chown postgres:postgres "$DIR"
  as_owner "$PGBIN/initdb" -D "$DIR" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    --no-instructions >"$DIR.initdb.log" 2>&1 || { cat "$DIR.initdb.log" >&2; rm -f "$DIR.initdb.log"; die "initdb failed"; }
  rm -f "$DIR.initdb.log"
  # Throwaway: speed over durability. Only loopback, only trust.
  cat >>"$DIR/postgresql.conf" <<EOF

# scripts/pg.sh: a throwaway cluster for the tests
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 300
shared_buffers = 128MB
$(if [[ ${MINA_PG_DURABLE:-0} == 1 ]]; then
    echo '# durable, as in production (MINA_PG_DURABLE=1)'
else
    printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n'
fi)
wal_level = minimal
max_wal_senders = 0
max_wal_size = 2GB
checkpoint_timeout = 30min
log_min_messages = warning
log_min_error_statement = panic
log_line_prefix = '%m [%p] %d '
timezone = 'UTC'
EOF
  cat >"$DIR/pg_hba.conf" <<EOF
# scripts/pg.sh: trust, but only on the unix socket in this directory and on 127.0.0.1
local  all  all                 trust
host   all  all  127.0.0.1/32   trust
EOF
  [[ $(id -u) -ne 0 ]] || chown postgres:postgres "$DIR/postgresql.conf" "$DIR/pg_hba.conf"
}

start() {
  if running; then
    for _ in $(seq 1 100); do ready && break; sleep 0.1; done
    ready || die "a server runs in $DIR but does not accept connections on 127.0.0.1:$PORT (see $LOG)"
    echo "$URL"
    return
  fi
  if [[ ! -f $DIR/PG_VERSION ]]; then
    # No port given: the default if it is free, else one the kernel says is free.
    if [[ -z $GIVEN_PORT ]] && ! port_free "$PORT"; then
      local free
      free=$(free_port) || die "cannot find a free port on 127.0.0.1"
      set_port "$free"
    fi
    create
  elif [[ -z $GIVEN_PORT ]] && ! port_free "$PORT"; then
    # A stopped cluster whose port someone else took meanwhile moves to a free one (the last
    # `port =` of postgresql.conf wins).
    local moved
    moved=$(free_port) || die "cannot find a free port on 127.0.0.1"
    set_port "$moved"
    as_owner sh -c 'printf "port = %s  # scripts/pg.sh: the old port was taken\n" "$1" >>"$2"' sh "$PORT" "$DIR/postgresql.conf"
  fi
  if ! as_owner "$PGBIN/pg_ctl" start -D "$DIR" -l "$LOG" -w -t 60 -s >/dev/null; then
    tail -n 20 "$LOG" >&2 || true
    if port_free "$PORT"; then die "the server in $DIR did not start (see $LOG)"; fi
    die "the server in $DIR did not start: port $PORT is taken$([[ -n $GIVEN_PORT ]] && echo " (set another MINA_PG_PORT)" || echo " (scripts/pg.sh stop, then start again: a new cluster takes a free port)")"
  fi
  for _ in $(seq 1 300); do ready && break; sleep 0.1; done
  ready || { tail -n 20 "$LOG" >&2 || true; die "the server does not accept connections on 127.0.0.1:$PORT"; }
  echo "$URL"
}

pause() {
  if running; then
    as_owner "$PGBIN/pg_ctl" stop -D "$DIR" -m fast -w -t 60 -s >/dev/null || die "could not stop the server in $DIR"
  fi
}

stop() {
  if running; then
    as_owner "$PGBIN/pg_ctl" stop -D "$DIR" -m fast -w -t 60 -s >/dev/null || die "could not stop the server in $DIR"
  fi
  [[ -e $DIR ]] || return 0
  # Remove only what this script made: a cluster's directory, or an empty one.
  if [[ -f $DIR/PG_VERSION || -z $(ls -A "$DIR") ]]; then
    rm -rf "$DIR"
  else
    die "$DIR is not a PostgreSQL data directory: not removing it"
  fi
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  pause) pause ;;
  resume)
    [[ -f $DIR/PG_VERSION ]] || die "nothing to resume: no cluster in $DIR"
    start ;;
  url) echo "$URL" ;;
  status)
    if running; then echo "$URL"; else echo "pg.sh: not running ($DIR)" >&2; exit 3; fi ;;
  *) echo "usage: scripts/pg.sh start|stop|pause|resume|url|status" >&2; exit 2 ;;
esac
