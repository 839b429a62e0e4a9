# Sourced by .ci/run: start throwaway Redis setups on loopback.
# Each function takes a directory for its files and the ports to use, and
# registers what it started in $REDIS_PIDFILES for stop_redis.

REDIS_PIDFILES=()

wait_redis() { # port
  for _ in $(seq 1 100); do
    redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "redis on port $1 did not start" >&2
  return 1
}

start_node() { # dir port [extra redis-server args…]
  local dir=$1 port=$2
  shift 2
  mkdir -p "$dir/$port"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir/$port" --save "" --appendonly no \
    --daemonize yes --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log" "$@"
  REDIS_PIDFILES+=("$dir/$port/redis.pid")
  wait_redis "$port"
}

# start_cluster dir port1 port2 port3: a Redis Cluster of three primaries
# (no replicas), every slot covered.
start_cluster() {
  local dir=$1
  shift
  local addrs=()
  for p in "$@"; do
    start_node "$dir" "$p" --cluster-enabled yes --cluster-config-file "$dir/$p/nodes.conf" --cluster-node-timeout 5000
    addrs+=("127.0.0.1:$p")
  done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >"$dir/cluster-create.log"
  for _ in $(seq 1 100); do
    if redis-cli -p "$1" cluster info | grep -q 'cluster_state:ok'; then
      return 0
    fi
    sleep 0.1
  done
  echo "redis cluster did not come up" >&2
  return 1
}

# start_sentinel dir primary replica sentinel: a primary, a replica of it
# and one sentinel watching them as "earshot" (quorum 1, quick failover).
start_sentinel() {
  local dir=$1 primary=$2 replica=$3 sentinel=$4
  start_node "$dir" "$primary"
  start_node "$dir" "$replica" --replicaof 127.0.0.1 "$primary"
  mkdir -p "$dir/$sentinel"
  cat >"$dir/$sentinel/sentinel.conf" <<CONF
bind 127.0.0.1
port $sentinel
dir $dir/$sentinel
sentinel monitor earshot 127.0.0.1 $primary 1
sentinel down-after-milliseconds earshot 1000
sentinel failover-timeout earshot 5000
sentinel parallel-syncs earshot 1
CONF
  redis-server "$dir/$sentinel/sentinel.conf" --sentinel --daemonize yes \
    --pidfile "$dir/$sentinel/redis.pid" --logfile "$dir/$sentinel/redis.log"
  REDIS_PIDFILES+=("$dir/$sentinel/redis.pid")
  wait_redis "$sentinel"
  for _ in $(seq 1 100); do
    if redis-cli -p "$replica" info replication | grep -q 'master_link_status:up' &&
      redis-cli -p "$sentinel" sentinel replicas earshot 2>/dev/null | grep -q "$replica"; then
      return 0
    fi
    sleep 0.1
  done
  echo "redis sentinel setup did not come up" >&2
  return 1
}

stop_redis() {
  for f in "${REDIS_PIDFILES[@]}"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
}
