#!/usr/bin/env bash
# Starts the loopback databases (and NATS JetStream) the storage tests need when they are installed but not running.
# It never installs anything; an unreachable database then fails the tests under CI=true.
set -u
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { for _ in $(seq 1 30); do up "$1" && return 0; sleep 1; done; return 1; }
if ! up 5432 && command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  wait_for 5432 || echo "PostgreSQL did not come up"
fi
if ! up 3306 && [ -x /usr/sbin/mariadbd ]; then
  echo "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  wait_for 3306 || echo "MariaDB did not come up"
fi
if ! up 4222 && [ -x /usr/sbin/nats-server ]; then
  echo "starting NATS (JetStream)"
  # Not root: a store directory of this user's. The pid file, not --exec, identifies this server:
  # by --exec, any running nats-server (a test's own, on another port) would pass for it.
  nats_dir=/var/lib/nats-server
  mkdir -p "$nats_dir" 2>/dev/null && [ -w "$nats_dir" ] || { nats_dir="${TMPDIR:-/tmp}/audit-events-nats-$(id -u)"; mkdir -p "$nats_dir"; }
  start-stop-daemon --start --oknodo --background --make-pidfile --pidfile "$nats_dir/nats-server-4222.pid" \
    --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd "$nats_dir" -l "$nats_dir/nats-server.log" || true
  wait_for 4222 || echo "NATS did not come up (log: $nats_dir/nats-server.log)"
fi
for port in 5432 3306 4222; do up "$port" && echo "port $port: up" || echo "port $port: DOWN"; done
exit 0
