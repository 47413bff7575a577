#!/usr/bin/env bash
# A 3-node RabbitMQ cluster for the tests, beside the machine's own broker and never touching it.
#
#   cluster.sh start          start the nodes that are not running, join them, wait for AMQP
#   cluster.sh stop           stop every node and remove the cluster's data
#   cluster.sh status         which nodes run, and the cluster as node a sees it
#   cluster.sh kill NODE      kill -9 the node's Erlang VM (NODE: a, b, c or warren-a@localhost)
#   cluster.sh restart NODE   start a killed or stopped node again; it rejoins the cluster
#   cluster.sh urls           the nodes' AMQP URLs, comma-separated (CLUSTER_AMQP_URLS)
#
# Nodes warren-a|b|c@localhost listen for AMQP on 127.0.0.1:5681-5683 and for Erlang distribution
# on 25681-25683. Their data, logs and config live in one folder under the system's temp
# folder ($WARREN_CLUSTER_DIR overrides it), owned by the rabbitmq user, so that stop and kill
# find them from any shell.
#
# A second cluster runs beside the first with another name and ports (the same variables for
# every command on it):
#   WARREN_CLUSTER_NAME   node-name prefix (default warren: nodes warren-a@localhost …); the
#                         data folder defaults to ${TMPDIR:-/tmp}/$WARREN_CLUSTER_NAME-cluster
#   WARREN_CLUSTER_PORT   AMQP port of node a (default 5681; b and c take the next two); each
#                         node's distribution port is its AMQP port + 20000
# e.g. WARREN_CLUSTER_NAME=wbench WARREN_CLUSTER_PORT=5691 cluster.sh start Run it as root (the Debian rabbitmq-server and rabbitmqctl wrappers
# switch to the rabbitmq user themselves) or as the rabbitmq user.
set -euo pipefail

NAME="${WARREN_CLUSTER_NAME:-warren}"
BASE_PORT="${WARREN_CLUSTER_PORT:-5681}"
case "$NAME" in
  '' | *[!A-Za-z0-9_-]*) echo "cluster: WARREN_CLUSTER_NAME '$NAME' must be letters, digits, - or _" >&2; exit 2 ;;
esac
case "$BASE_PORT" in
  '' | *[!0-9]*) echo "cluster: WARREN_CLUSTER_PORT '$BASE_PORT' must be a port number" >&2; exit 2 ;;
esac
if [ "$BASE_PORT" -lt 1024 ] || [ "$BASE_PORT" -gt 45533 ]; then
  echo "cluster: WARREN_CLUSTER_PORT $BASE_PORT out of range (1024-45533: its distribution port is +20000)" >&2
  exit 2
fi
ROOT="${WARREN_CLUSTER_DIR:-${TMPDIR:-/tmp}/$NAME-cluster}"
NODES=(a b c)
SEED="$NAME-a@localhost"
START_TIMEOUT_S="${WARREN_CLUSTER_TIMEOUT:-90}"

index_of() {
  case "$1" in
    a) echo 0 ;;
    b) echo 1 ;;
    c) echo 2 ;;
    *) echo "cluster: unknown node '$1' (use a, b or c)" >&2; exit 2 ;;
  esac
}
nodename() { echo "$NAME-$1@localhost"; }
amqp_port() { echo $((BASE_PORT + $(index_of "$1"))); }
dist_port() { echo $((BASE_PORT + 20000 + $(index_of "$1"))); }
node_dir() { echo "$ROOT/$1"; }

# `warren-b@localhost` or `b` → `b`
short() {
  local name="${1#"$NAME"-}"
  echo "${name%@localhost}"
}

amqp_up() { (exec 3<>"/dev/tcp/127.0.0.1/$(amqp_port "$1")") 2>/dev/null; }

ctl() {
  local node="$1"
  shift
  rabbitmqctl -q -n "$(nodename "$node")" "$@"
}

pid_of() {
  local file
  file="$(node_dir "$1")/pid"
  [ -s "$file" ] && cat "$file"
}

vm_alive() {
  local pid
  pid="$(pid_of "$1")" || return 1
  kill -0 "$pid" 2>/dev/null
}

prepare() {
  local node="$1" dir
  dir="$(node_dir "$node")"
  mkdir -p "$dir/mnesia" "$dir/log"
  printf 'listeners.tcp.local = 127.0.0.1:%s\n' "$(amqp_port "$node")" >"$dir/rabbitmq.conf"
  [ -f "$dir/enabled_plugins" ] || printf '[].\n' >"$dir/enabled_plugins"
  if [ "$(id -u)" = 0 ]; then chown -R rabbitmq:rabbitmq "$ROOT"; fi
}

launch() {
  local node="$1" dir
  dir="$(node_dir "$node")"
  prepare "$node"
  rm -f "$dir/pid"
  RABBITMQ_NODENAME="$(nodename "$node")" \
    RABBITMQ_NODE_PORT="$(amqp_port "$node")" \
    RABBITMQ_DIST_PORT="$(dist_port "$node")" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" \
    RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq" \
    RABBITMQ_PID_FILE="$dir/pid" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    rabbitmq-server -detached >/dev/null 2>&1
}

# Waits for the node's VM (its pid file) and for the RabbitMQ application on it.
await_node() {
  local node="$1" dir
  dir="$(node_dir "$node")"
  for _ in $(seq 1 "$START_TIMEOUT_S"); do
    [ -s "$dir/pid" ] && break
    sleep 1
  done
  ctl "$node" wait --timeout "$START_TIMEOUT_S" "$dir/pid" >/dev/null
  ctl "$node" await_startup --timeout "$START_TIMEOUT_S" >/dev/null
}

await_amqp() {
  local node="$1"
  for _ in $(seq 1 $((START_TIMEOUT_S * 10))); do
    if amqp_up "$node"; then return 0; fi
    sleep 0.1
  done
  echo "cluster: $(nodename "$node") does not answer AMQP on 127.0.0.1:$(amqp_port "$node")" >&2
  return 1
}

# True when `node` is a member of the seed's cluster (its disc nodes include it).
member() {
  ctl "$1" cluster_status --formatter json 2>/dev/null | grep -q "\"$SEED\""
}

running_nodes() {
  ctl a cluster_status --formatter json 2>/dev/null | sed -n 's/.*"running_nodes":\[\([^]]*\)\].*/\1/p'
}

all_running() {
  local running
  running="$(running_nodes)" || return 1
  for node in "${NODES[@]}"; do
    case "$running" in *"\"$(nodename "$node")\""*) ;; *) return 1 ;; esac
    amqp_up "$node" || return 1
  done
}

# Quiet on success: RabbitMQ logs errors about the node it just stopped while it joins.
join() {
  local node="$1" out
  if ! out="$(ctl "$node" stop_app 2>&1 && ctl "$node" join_cluster "$SEED" 2>&1 && ctl "$node" start_app 2>&1)"; then
    echo "$out" >&2
    echo "cluster: $(nodename "$node") could not join $SEED" >&2
    return 1
  fi
}

start() {
  if all_running; then
    echo "cluster: already running ($(urls))"
    return 0
  fi
  local began=$SECONDS
  for node in "${NODES[@]}"; do
    if ! vm_alive "$node"; then launch "$node"; fi
  done
  for node in "${NODES[@]}"; do await_node "$node"; done
  local booted=$SECONDS
  # One at a time: each join changes the membership the next one joins.
  for node in "${NODES[@]:1}"; do
    if ! member "$node"; then join "$node"; fi
  done
  for node in "${NODES[@]}"; do await_amqp "$node"; done
  echo "cluster: running in $((SECONDS - began)) s (nodes up in $((booted - began)) s, joined in $((SECONDS - booted)) s): $(urls)"
}

stop() {
  for node in "${NODES[@]}"; do
    if vm_alive "$node"; then
      ctl "$node" stop >/dev/null 2>&1 || true
    fi
  done
  for node in "${NODES[@]}"; do
    for _ in $(seq 1 30); do
      vm_alive "$node" || break
      sleep 0.5
    done
    if vm_alive "$node"; then kill -9 "$(pid_of "$node")" 2>/dev/null || true; fi
  done
  rm -rf "$ROOT"
  echo "cluster: stopped"
}

status() {
  for node in "${NODES[@]}"; do
    local state=down
    if vm_alive "$node"; then state="vm up"; fi
    if amqp_up "$node"; then state="amqp up"; fi
    echo "$(nodename "$node") amqp=127.0.0.1:$(amqp_port "$node") $state"
  done
  echo "running in the cluster: $(running_nodes || echo '?')"
}

kill_node() {
  local node
  node="$(short "$1")"
  index_of "$node" >/dev/null
  local pid
  if ! pid="$(pid_of "$node")" || ! kill -0 "$pid" 2>/dev/null; then
    echo "cluster: $(nodename "$node") is not running" >&2
    return 1
  fi
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "cluster: killed $(nodename "$node") (pid $pid)"
}

restart_node() {
  local node
  node="$(short "$1")"
  index_of "$node" >/dev/null
  local began=$SECONDS
  if ! vm_alive "$node"; then launch "$node"; fi
  await_node "$node"
  if [ "$node" != a ] && ! member "$node"; then join "$node"; fi
  await_amqp "$node"
  echo "cluster: $(nodename "$node") back in $((SECONDS - began)) s"
}

urls() {
  local list=()
  for node in "${NODES[@]}"; do list+=("amqp://guest:guest@127.0.0.1:$(amqp_port "$node")"); done
  (IFS=,; echo "${list[*]}")
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  kill) kill_node "${2:?usage: cluster.sh kill NODE}" ;;
  restart) restart_node "${2:?usage: cluster.sh restart NODE}" ;;
  urls) urls ;;
  *)
    echo "usage: $0 start|stop|status|kill NODE|restart NODE|urls" >&2
    exit 2
    ;;
esac
