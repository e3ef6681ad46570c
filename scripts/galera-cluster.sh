#!/usr/bin/env bash
# A 3-node MariaDB Galera cluster on loopback, for the cluster tests and for trying the service
# on a multi-primary cluster. Each node has its own data directory, owned by the mysql user
# (rsync state transfer fails under root-owned directories).
#
#   scripts/galera-cluster.sh start [N]  install what is missing, start the nodes (or node N) that are down
#   scripts/galera-cluster.sh status     one line per node: port, state, cluster size
#   scripts/galera-cluster.sh stop [N]   stop all nodes (or node N) cleanly: it leaves the cluster
#   scripts/galera-cluster.sh kill N     SIGKILL node N's mariadbd: a crash the others must notice
#   scripts/galera-cluster.sh destroy    kill every node and remove GALERA_DIR
#
# SQL ports 4401-4403 (GALERA_BASE_PORT=4400; the nodes also use BASE+11..13, +21..23, +31..33);
# data under GALERA_DIR (/var/tmp/galera-cluster). A second cluster needs both set apart.
set -euo pipefail

DIR=${GALERA_DIR:-/var/tmp/galera-cluster}
BASE=${GALERA_BASE_PORT:-4400}
NODES=3
PROVIDER=/usr/lib/galera/libgalera_smm.so

sql_port() { echo $((BASE + $1)); }
gcomm_port() { echo $((BASE + 10 + $1)); }
ist_port() { echo $((BASE + 20 + $1)); }
sst_port() { echo $((BASE + 30 + $1)); }

install_missing() {
  local missing=()
  [ -f "$PROVIDER" ] || missing+=(galera-4)
  command -v rsync >/dev/null || missing+=(rsync)
  command -v mariadbd >/dev/null || missing+=(mariadb-server)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

node_up() { mariadb-admin --no-defaults --protocol=tcp -h127.0.0.1 -P"$(sql_port "$1")" -uroot ping >/dev/null 2>&1; }

node_sql() { mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$(sql_port "$1")" -uroot -N -e "$2"; }

write_config() {
  local n=$1 node="$DIR/node$1" peers=""
  for i in $(seq 1 $NODES); do peers+="${peers:+,}127.0.0.1:$(gcomm_port "$i")"; done
  mkdir -p "$node"
  cat >"$node/my.cnf" <<CNF
[mysqld]
datadir=$node/data
socket=$node/mysqld.sock
pid-file=$node/mysqld.pid
log-error=$node/error.log
port=$(sql_port "$n")
bind-address=127.0.0.1
user=mysql
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
default_storage_engine=InnoDB
innodb_buffer_pool_size=64M
innodb_log_file_size=48M
innodb_autoinc_lock_mode=2
binlog_format=ROW
# reads wait until the node has applied what the cluster committed before them
wsrep_sync_wait=1
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=recruitment_workflows_test
wsrep_cluster_address=gcomm://$peers
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$(gcomm_port "$n")
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$(gcomm_port "$n");ist.recv_addr=127.0.0.1:$(ist_port "$n");gcache.size=64M"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$(sst_port "$n")
CNF
}

start_node() {
  local n=$1 node="$DIR/node$1" extra=()
  if node_up "$n"; then echo "node$n already up on $(sql_port "$n")"; return; fi
  write_config "$n"
  if [ ! -d "$node/data/mysql" ]; then
    mariadb-install-db --defaults-file="$node/my.cnf" --user=mysql --auth-root-authentication-method=normal \
      --skip-test-db >"$node/install.log" 2>&1
  fi
  chown -R mysql:mysql "$node"
  # the first node founds the cluster unless another node is already up to join
  local others=0
  for i in $(seq 1 $NODES); do [ "$i" != "$n" ] && node_up "$i" && others=1; done
  if [ "$others" = 0 ]; then
    sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$node/data/grastate.dat" 2>/dev/null || true
    extra=(--wsrep-new-cluster)
  fi
  start-stop-daemon --start --background --chuid mysql --pidfile "$DIR/node$n.daemon.pid" --make-pidfile \
    --startas "$(command -v mariadbd)" -- --defaults-file="$node/my.cnf" "${extra[@]}"
  for _ in $(seq 1 120); do node_up "$n" && break; sleep 0.5; done
  node_up "$n" || { echo "node$n did not start; see $node/error.log"; tail -20 "$node/error.log"; exit 1; }
  for _ in $(seq 1 120); do
    [ "$(node_sql "$n" "SHOW STATUS LIKE 'wsrep_ready'" | awk '{print $2}')" = "ON" ] && break
    sleep 0.5
  done
  echo "node$n up on $(sql_port "$n")"
}

status() {
  for n in $(seq 1 $NODES); do
    if node_up "$n"; then
      echo "node$n $(sql_port "$n") $(node_sql "$n" "SELECT CONCAT(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'wsrep_local_state_comment'") size=$(node_sql "$n" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'wsrep_cluster_size'")"
    else
      echo "node$n $(sql_port "$n") down"
    fi
  done
}

# stop_node N [SIGNAL]: TERM (the default) shuts down cleanly, KILL crashes; returns once it is gone
stop_node() {
  local n=$1 signal=${2:-TERM} pidfile="$DIR/node$1/mysqld.pid" pid
  [ -f "$pidfile" ] || pidfile="$DIR/node$n.daemon.pid"
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  if kill "-$signal" "$pid" 2>/dev/null; then
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then echo "node$n did not stop"; exit 1; fi
    echo "node$n $([ "$signal" = KILL ] && echo killed || echo stopped)"
  fi
}

stop() {
  for n in $(seq $NODES -1 1); do stop_node "$n"; done
}

node_arg() {
  [[ "${1:-}" =~ ^[1-9]$ ]] && [ "$1" -le "$NODES" ] || { echo "node number 1-$NODES expected, got '${1:-}'" >&2; exit 2; }
}

case "${1:-}" in
  start)
    install_missing
    mkdir -p "$DIR"
    if [ -n "${2:-}" ]; then
      node_arg "$2"
      start_node "$2"
    else
      for n in $(seq 1 $NODES); do start_node "$n"; done
    fi
    status
    ;;
  status) status ;;
  stop)
    if [ -n "${2:-}" ]; then node_arg "$2"; stop_node "$2"; else stop; fi
    ;;
  kill)
    node_arg "${2:-}"
    stop_node "$2" KILL
    ;;
  destroy)
    for n in $(seq 1 $NODES); do stop_node "$n" KILL; done
    rm -rf "$DIR"
    ;;
  *) echo "usage: $0 start [N] | status | stop [N] | kill N | destroy" >&2; exit 2 ;;
esac
