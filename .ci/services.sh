#!/usr/bin/env bash
# Start the MariaDB and Redis servers that the integration tests use, without
# systemd. Idempotent: services that already answer are left alone.
#
#   MariaDB: 127.0.0.1:3306, user orderhub / password orderhub, ALL PRIVILEGES
#            (tests CREATE/DROP one database per test: oh_t_<random>)
#   Redis:   127.0.0.1:6379, no persistence
#   MariaDB replication pair (model's read-replica tests):
#            127.0.0.1:3307 primary (binlog on, server id 1) and
#            127.0.0.1:3308 replica of it (server id 2, read only),
#            user orderhub / orderhub on both. Their own pair, not 3306: the
#            shared server runs without a binlog (turning it on needs a
#            restart), and a replica of it would replay every test's DDL.
#   Redis Sentinel (redis Sentinel tests): master 127.0.0.1:6380, its
#            replica 127.0.0.1:6381, sentinels 127.0.0.1:26379 and :26380
#            watching master name "orderhub-ci" (quorum 1). After a test's
#            failover the roles of 6380 and 6381 are swapped; that is fine.
#   Redis Cluster (the Cluster test): masters 127.0.0.1:7000, :7001, :7002.
#
# Logs: /var/log/orderhub-ci/{mariadb,redis}*.log
set -euo pipefail

LOG_DIR=/var/log/orderhub-ci
MYSQL_LOG="$LOG_DIR/mariadb.log"
REDIS_LOG="$LOG_DIR/redis.log"
DATADIR=/var/lib/mysql
RUNDIR=/run/mysqld
SOCKET="$RUNDIR/mysqld.sock"
WAIT_SECS="${SERVICES_WAIT_SECS:-90}"

say() { echo "[services] $*"; }
die() { echo "[services] ERROR: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  die "must run as root"
fi

# ---------------------------------------------------------------- packages
have_mysqld() { command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1 \
  || [ -x /usr/sbin/mariadbd ] || [ -x /usr/sbin/mysqld ]; }
have_redis() { command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; }

if ! have_mysqld || ! have_redis; then
  say "installing mariadb-server and redis-server (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq || die "apt-get update failed"
  timeout 600 apt-get install -y -qq mariadb-server redis-server >/tmp/orderhub-ci-apt-services.log 2>&1 \
    || { tail -n 40 /tmp/orderhub-ci-apt-services.log >&2; die "apt-get install mariadb-server redis-server failed"; }
fi
export PATH="$PATH:/usr/sbin:/sbin"
have_mysqld || die "mariadbd/mysqld still missing after install"
have_redis || die "redis-server still missing after install"

MYSQLD=$(command -v mariadbd || command -v mysqld)
ADMIN=$(command -v mariadb-admin || command -v mysqladmin)
CLIENT=$(command -v mariadb || command -v mysql)

mkdir -p "$LOG_DIR"

# ---------------------------------------------------------------- MariaDB
# root@localhost uses unix_socket auth on Debian, so root talks over the socket.
mysql_ping() { "$ADMIN" --protocol=socket --socket="$SOCKET" -uroot --connect-timeout=2 ping >/dev/null 2>&1; }

# A server process that is alive (not a zombie left by a kill -9 whose parent
# has not reaped it yet) but not answering is still starting: wait for it.
live_mysqld() {
  local pid st
  for pid in $(pgrep -x 'mariadbd|mysqld' 2>/dev/null || true); do
    st=$(ps -o stat= -p "$pid" 2>/dev/null || true)
    case "$st" in ''|Z*) ;; *) return 0 ;; esac
  done
  return 1
}

if mysql_ping; then
  say "MariaDB already running"
else
  mkdir -p "$RUNDIR"
  chown mysql:mysql "$RUNDIR"
  chmod 755 "$RUNDIR"
  touch "$MYSQL_LOG"
  chown mysql:mysql "$MYSQL_LOG"

  if [ ! -d "$DATADIR/mysql" ]; then
    say "initialising datadir $DATADIR"
    mkdir -p "$DATADIR"
    chown mysql:mysql "$DATADIR"
    mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db >>"$MYSQL_LOG" 2>&1 \
      || { tail -n 40 "$MYSQL_LOG" >&2; die "mariadb-install-db failed (log: $MYSQL_LOG)"; }
  fi

  if live_mysqld; then
    say "MariaDB process exists but does not answer yet; waiting for it"
  else
    # A stale socket/pid from a killed server would confuse clients; no server
    # process is running, so they are safe to remove.
    rm -f "$SOCKET" "$RUNDIR/mysqld.pid"
    say "starting MariaDB on 127.0.0.1:3306 (log: $MYSQL_LOG)"
    # Started directly (not via mariadbd-safe, whose Debian config sends the
    # log to syslog). setsid + nohup: survives the calling shell.
    setsid nohup "$MYSQLD" \
      --user=mysql \
      --datadir="$DATADIR" \
      --socket="$SOCKET" \
      --pid-file="$RUNDIR/mysqld.pid" \
      --bind-address=127.0.0.1 \
      --port=3306 \
      --max-connections=500 \
      --character-set-server=utf8mb4 \
      --collation-server=utf8mb4_general_ci \
      --innodb-flush-log-at-trx-commit=2 \
      --log-error="$MYSQL_LOG" \
      </dev/null >>"$MYSQL_LOG" 2>&1 &
  fi

  deadline=$((SECONDS + WAIT_SECS))
  until mysql_ping; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 40 "$MYSQL_LOG" >&2 || true
      die "MariaDB did not answer within ${WAIT_SECS}s (log: $MYSQL_LOG)"
    fi
    sleep 1
  done
  say "MariaDB is up"
fi

# Always (re)apply: cheap and idempotent. max_connections is also raised here
# in case the server was started by something else with a lower limit.
"$CLIENT" --protocol=socket --socket="$SOCKET" -uroot <<'SQL' || die "could not configure MariaDB user orderhub"
SET GLOBAL max_connections = GREATEST(@@GLOBAL.max_connections, 500);
CREATE USER IF NOT EXISTS 'orderhub'@'127.0.0.1' IDENTIFIED BY 'orderhub';
CREATE USER IF NOT EXISTS 'orderhub'@'localhost' IDENTIFIED BY 'orderhub';
ALTER USER 'orderhub'@'127.0.0.1' IDENTIFIED BY 'orderhub';
ALTER USER 'orderhub'@'localhost' IDENTIFIED BY 'orderhub';
GRANT ALL PRIVILEGES ON *.* TO 'orderhub'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'orderhub'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL

"$CLIENT" -h127.0.0.1 -P3306 --protocol=tcp -uorderhub -porderhub -e 'SELECT 1' >/dev/null 2>&1 \
  || die "MariaDB does not accept orderhub/orderhub over TCP 127.0.0.1:3306"
say "MariaDB ready: orderhub/orderhub@127.0.0.1:3306 (max_connections=$("$CLIENT" -h127.0.0.1 -P3306 --protocol=tcp -uorderhub -porderhub -N -B -e 'SELECT @@max_connections'))"

# ---------------------------------------------------------------- Redis
redis_ping() { [ "$(timeout 5 redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if redis_ping; then
  say "Redis already running"
else
  say "starting Redis on 127.0.0.1:6379 (log: $REDIS_LOG)"
  redis-server \
    --bind 127.0.0.1 \
    --port 6379 \
    --daemonize yes \
    --save '' \
    --appendonly no \
    --dir /tmp \
    --logfile "$REDIS_LOG" \
    --pidfile /run/orderhub-ci-redis.pid \
    || die "redis-server failed to start (log: $REDIS_LOG)"
  deadline=$((SECONDS + WAIT_SECS))
  until redis_ping; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 40 "$REDIS_LOG" >&2 || true
      die "Redis did not answer within ${WAIT_SECS}s (log: $REDIS_LOG)"
    fi
    sleep 1
  done
  say "Redis is up"
fi
say "Redis ready: 127.0.0.1:6379"

# ---------------------------------------------------------------- MariaDB replication pair
REPL_DIR=/var/lib/orderhub-ci
REPL_PRIMARY_PORT=3307
REPL_REPLICA_PORT=3308

repl_sock() { echo "$RUNDIR/orderhub-$1.sock"; }
repl_sql() { "$CLIENT" --protocol=socket --socket="$(repl_sock "$1")" -uroot -N -B "${@:2}"; }
repl_ping() { "$ADMIN" --protocol=socket --socket="$(repl_sock "$1")" -uroot --connect-timeout=2 ping >/dev/null 2>&1; }
replica_running() {
  local st
  st=$("$CLIENT" --protocol=socket --socket="$(repl_sock replica)" -uroot -e 'SHOW SLAVE STATUS\G' 2>/dev/null) || return 1
  grep -q 'Slave_IO_Running: Yes' <<<"$st" && grep -q 'Slave_SQL_Running: Yes' <<<"$st"
}

# repl_start NAME PORT SERVER_ID EXTRA...: a fresh datadir on first use, then
# the server in the background; returns once it answers.
repl_start() {
  local name=$1 port=$2 id=$3 dir="$REPL_DIR/mysql-$1" log="$LOG_DIR/mariadb-$1.log"
  shift 3
  if repl_ping "$name"; then
    return 0
  fi
  mkdir -p "$REPL_DIR" "$RUNDIR"
  chown mysql:mysql "$RUNDIR"
  touch "$log"
  chown mysql:mysql "$log"
  if [ ! -d "$dir/mysql" ]; then
    mkdir -p "$dir"
    chown mysql:mysql "$dir"
    mariadb-install-db --user=mysql --datadir="$dir" --skip-test-db >>"$log" 2>&1 \
      || { tail -n 40 "$log" >&2; die "mariadb-install-db for the $name failed (log: $log)"; }
  fi
  rm -f "$(repl_sock "$name")"
  say "starting the replication $name on 127.0.0.1:$port (log: $log)"
  # Small: the replica tests hold a few rows. No performance schema, a
  # small buffer pool, so the pair costs little beside the shared server.
  setsid nohup "$MYSQLD" \
    --no-defaults \
    --user=mysql \
    --datadir="$dir" \
    --socket="$(repl_sock "$name")" \
    --pid-file="$RUNDIR/orderhub-$name.pid" \
    --bind-address=127.0.0.1 \
    --port="$port" \
    --server-id="$id" \
    --max-connections=200 \
    --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_general_ci \
    --innodb-buffer-pool-size=64M \
    --innodb-log-file-size=48M \
    --innodb-flush-log-at-trx-commit=2 \
    --performance-schema=OFF \
    --skip-name-resolve \
    --log-error="$log" \
    "$@" \
    </dev/null >>"$log" 2>&1 &
  local deadline=$((SECONDS + WAIT_SECS))
  until repl_ping "$name"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 40 "$log" >&2 || true
      die "the replication $name did not answer within ${WAIT_SECS}s (log: $log)"
    fi
    sleep 1
  done
}

# The orderhub user on one server, outside the binlog (each server gets its
# own; nothing about users replicates).
repl_users() {
  repl_sql "$1" <<'SQL' || die "could not create the users on the replication $1"
SET SESSION sql_log_bin = 0;
CREATE USER IF NOT EXISTS 'orderhub'@'127.0.0.1' IDENTIFIED BY 'orderhub';
CREATE USER IF NOT EXISTS 'orderhub'@'localhost' IDENTIFIED BY 'orderhub';
GRANT ALL PRIVILEGES ON *.* TO 'orderhub'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'orderhub'@'localhost';
CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY 'repl';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
}

if repl_ping primary && repl_ping replica && replica_running; then
  say "MariaDB replication pair already running"
else
  repl_start primary "$REPL_PRIMARY_PORT" 1 --log-bin=orderhub-bin --binlog-format=ROW --sync-binlog=0 --expire-logs-days=1
  repl_start replica "$REPL_REPLICA_PORT" 2 --relay-log=orderhub-relay --read-only=ON --skip-log-bin
  repl_users primary
  repl_users replica
  # A replica that was set up before resumes from where it was; a new one
  # (or one whose threads were left stopped, e.g. by a killed test) is
  # pointed at the primary's current position and started.
  if ! repl_sql replica -e 'START SLAVE' 2>/dev/null || ! { sleep 1; replica_running; }; then
    read -r file pos < <(repl_sql primary -e 'SHOW MASTER STATUS' | awk '{print $1, $2}')
    [ -n "${file:-}" ] || die "the replication primary has no binlog"
    repl_sql replica <<SQL || die "could not point the replica at the primary"
STOP SLAVE;
RESET SLAVE ALL;
CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$REPL_PRIMARY_PORT, MASTER_USER='repl',
  MASTER_PASSWORD='repl', MASTER_LOG_FILE='$file', MASTER_LOG_POS=$pos, MASTER_USE_GTID=no,
  MASTER_CONNECT_RETRY=1, MASTER_DELAY=0;
START SLAVE;
SQL
  fi
  deadline=$((SECONDS + 30))
  until replica_running; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      "$CLIENT" --protocol=socket --socket="$(repl_sock replica)" -uroot -e 'SHOW SLAVE STATUS\G' >&2 || true
      die "the replica on 127.0.0.1:$REPL_REPLICA_PORT does not replicate (log: $LOG_DIR/mariadb-replica.log)"
    fi
    sleep 1
  done
fi
say "MariaDB replication ready: primary orderhub/orderhub@127.0.0.1:$REPL_PRIMARY_PORT, replica 127.0.0.1:$REPL_REPLICA_PORT"

# ---------------------------------------------------------------- Redis Sentinel
# A master and its replica, watched by two sentinels (quorum 1, so a single
# sentinel's view suffices and SENTINEL FAILOVER needs no agreement). The
# data is disposable: unless all of it answers, it is started afresh.
SENTINEL_MASTER=orderhub-ci
SENTINEL_PORTS="26379 26380"
SENTINEL_REDIS_PORTS="6380 6381"
SENTINEL_DIR="$REPL_DIR/sentinel"

rcli() { timeout 5 redis-cli -h 127.0.0.1 -p "$1" "${@:2}" 2>/dev/null; }
sentinel_ready() {
  local p addr port
  for p in $SENTINEL_PORTS; do
    [ "$(rcli "$p" ping)" = "PONG" ] || return 1
    addr=$(rcli "$p" sentinel get-master-addr-by-name "$SENTINEL_MASTER") || return 1
    port=$(sed -n 2p <<<"$addr")
    [ -n "$port" ] || return 1
    rcli "$port" info replication | grep -q '^role:master' || return 1
    rcli "$port" info replication | grep -q '^connected_slaves:1' || return 1
    # The sentinel knows the replica and finds it healthy: only then can it
    # fail over.
    rcli "$p" sentinel replicas "$SENTINEL_MASTER" | grep -qx 'slave' || return 1
    rcli "$p" sentinel replicas "$SENTINEL_MASTER" | grep -q 's_down\|o_down\|disconnected' && return 1
  done
  return 0
}

if sentinel_ready; then
  say "Redis Sentinel already running"
else
  for p in $SENTINEL_PORTS $SENTINEL_REDIS_PORTS; do
    pidf="/run/orderhub-ci-redis-$p.pid"
    if [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
      kill "$(cat "$pidf")" 2>/dev/null || true
    fi
    rm -f "$pidf"
  done
  sleep 0.5
  mkdir -p "$SENTINEL_DIR"
  master_port=${SENTINEL_REDIS_PORTS%% *}
  for p in $SENTINEL_REDIS_PORTS; do
    extra=()
    [ "$p" = "$master_port" ] || extra=(--replicaof 127.0.0.1 "$master_port")
    redis-server --bind 127.0.0.1 --port "$p" --daemonize yes --save '' --appendonly no \
      --dir "$SENTINEL_DIR" --logfile "$LOG_DIR/redis-$p.log" --pidfile "/run/orderhub-ci-redis-$p.pid" \
      "${extra[@]}" || die "redis-server on $p failed to start (log: $LOG_DIR/redis-$p.log)"
  done
  for p in $SENTINEL_PORTS; do
    # Sentinel rewrites its config file (the master it follows after a
    # failover), so each gets its own, written afresh here.
    cat >"$SENTINEL_DIR/sentinel-$p.conf" <<CONF
bind 127.0.0.1
port $p
daemonize yes
pidfile /run/orderhub-ci-redis-$p.pid
logfile $LOG_DIR/redis-sentinel-$p.log
dir $SENTINEL_DIR
sentinel monitor $SENTINEL_MASTER 127.0.0.1 $master_port 1
sentinel down-after-milliseconds $SENTINEL_MASTER 2000
sentinel failover-timeout $SENTINEL_MASTER 10000
sentinel parallel-syncs $SENTINEL_MASTER 1
CONF
    redis-server "$SENTINEL_DIR/sentinel-$p.conf" --sentinel \
      || die "redis sentinel on $p failed to start (log: $LOG_DIR/redis-sentinel-$p.log)"
  done
  deadline=$((SECONDS + 60))
  until sentinel_ready; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      for p in $SENTINEL_PORTS; do tail -n 20 "$LOG_DIR/redis-sentinel-$p.log" >&2 || true; done
      die "Redis Sentinel did not see a master with a healthy replica within 60s"
    fi
    sleep 0.5
  done
fi
say "Redis Sentinel ready: sentinels 127.0.0.1:${SENTINEL_PORTS// /,127.0.0.1:}, master name $SENTINEL_MASTER"

# ---------------------------------------------------------------- Redis Cluster
# Three masters, no replicas (the Cluster tests check that every command
# orderhub sends works across slots; failover is Sentinel's test). Started
# afresh unless the cluster answers cluster_state:ok.
CLUSTER_PORTS="7000 7001 7002"
CLUSTER_DIR="$REPL_DIR/cluster"
cluster_ready() {
  local p
  for p in $CLUSTER_PORTS; do
    rcli "$p" cluster info | grep -q '^cluster_state:ok' || return 1
  done
}
if cluster_ready; then
  say "Redis Cluster already running"
else
  for p in $CLUSTER_PORTS; do
    pidf="/run/orderhub-ci-redis-$p.pid"
    if [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
      kill "$(cat "$pidf")" 2>/dev/null || true
    fi
    rm -f "$pidf"
  done
  sleep 0.5
  rm -rf "$CLUSTER_DIR"
  mkdir -p "$CLUSTER_DIR"
  nodes=()
  for p in $CLUSTER_PORTS; do
    redis-server --bind 127.0.0.1 --port "$p" --daemonize yes --save '' --appendonly no \
      --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 2000 \
      --dir "$CLUSTER_DIR" --logfile "$LOG_DIR/redis-cluster-$p.log" --pidfile "/run/orderhub-ci-redis-$p.pid" \
      || die "redis-server (cluster) on $p failed to start (log: $LOG_DIR/redis-cluster-$p.log)"
    nodes+=("127.0.0.1:$p")
  done
  deadline=$((SECONDS + 30))
  for p in $CLUSTER_PORTS; do
    until [ "$(rcli "$p" ping)" = "PONG" ]; do
      [ "$SECONDS" -lt "$deadline" ] || die "redis-server (cluster) on $p does not answer"
      sleep 0.2
    done
  done
  timeout 60 redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$LOG_DIR/redis-cluster-create.log" 2>&1 \
    || { tail -n 20 "$LOG_DIR/redis-cluster-create.log" >&2; die "redis-cli --cluster create failed"; }
  deadline=$((SECONDS + 30))
  until cluster_ready; do
    [ "$SECONDS" -lt "$deadline" ] || die "the Redis Cluster did not reach cluster_state:ok within 30s"
    sleep 0.3
  done
fi
say "Redis Cluster ready: 127.0.0.1:${CLUSTER_PORTS// /,127.0.0.1:}"
