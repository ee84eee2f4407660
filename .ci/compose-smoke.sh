#!/usr/bin/env bash
# Builds deploy/Dockerfile and runs deploy/docker-compose.yml on the private engine (.ci/container-engine.sh
# start and images first; the fat jar must exist: mvn package), then checks the stack as a client and an
# operator would: a WebSocket subscriber and HTTP publishes through the stack's haproxy, the node image's
# user, Prometheus (in the stack) scraping all three nodes, and a node stopping gracefully (drain, exit 0).
# Always takes the stack down again. Exits non-zero when anything fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}
DOCKER=/usr/bin/docker
export DOCKER_BUILDKIT=1
JAR=$ROOT/modules/roomcast-server/target/roomcast-server.jar
PROJECT=roomcast-smoke
COMPOSE=(docker-compose -p "$PROJECT" -f "$ROOT/deploy/docker-compose.yml")

log() { echo "[smoke] $*"; }
fail() { echo "[smoke] FAILED: $*" >&2; exit 1; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

[ -f "$JAR" ] || fail "no $JAR: build it first (mvn package)"

T0=$(date +%s)
log "building roomcast/server:0.1.0 from deploy/Dockerfile"
"$DOCKER" build -q -f "$ROOT/deploy/Dockerfile" -t roomcast/server:0.1.0 "$ROOT" >/dev/null

export ROOMCAST_LB_PORT ROOMCAST_PROMETHEUS_PORT ROOMCAST_MANAGEMENT_TOKEN
ROOMCAST_LB_PORT=$(free_port)
ROOMCAST_PROMETHEUS_PORT=$(free_port)
# The nodes' management port is on the stack's internal network (not loopback): it needs a token.
ROOMCAST_MANAGEMENT_TOKEN=$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(24))')

# shellcheck disable=SC2317  # called by the EXIT trap
down() {
  local rc=$?
  if [ "$rc" != 0 ]; then
    "${COMPOSE[@]}" ps || true
    "${COMPOSE[@]}" logs --no-color --tail=40 || true
  fi
  "${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  log "stack down ($(($(date +%s) - T0))s in all)"
  exit "$rc"
}
trap down EXIT

log "docker-compose up (haproxy on 127.0.0.1:$ROOMCAST_LB_PORT, prometheus on 127.0.0.1:$ROOMCAST_PROMETHEUS_PORT)"
"${COMPOSE[@]}" up -d --no-build

# Ready through haproxy: /readyz of some node, once haproxy's checks see them.
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$ROOMCAST_LB_PORT/readyz" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$ROOMCAST_LB_PORT/readyz" >/dev/null || fail "no node ready behind haproxy after 60 s"
log "a node answers /readyz through haproxy"
for path in /metrics /admin/drain; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$ROOMCAST_LB_PORT$path")
  [ "$code" = 404 ] || fail "POST $path through haproxy answered $code, wanted 404"
done
code=$("$DOCKER" exec "${PROJECT}_node1_1" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && head -n 1 <&3')
case "$code" in *" 404 "*) ;; *) fail "node1's public port answered GET /metrics with: $code" ;; esac
log "/metrics and /admin are 404 through haproxy and on a node's public port"

uid=$("$DOCKER" exec "${PROJECT}_node1_1" id -u) || fail "cannot exec in node1"
[ "$uid" != 0 ] || fail "the node runs as root"
log "nodes run as uid $uid"

# A subscriber through haproxy, messages published through haproxy's HTTP side, all of them received.
# Debian's python3 (python3-websockets), not another python3 earlier on the PATH.
/usr/bin/python3 - "$ROOMCAST_LB_PORT" <<'PY'
import asyncio, json, sys, urllib.request
import websockets

port = sys.argv[1]
N = 20

async def main():
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", subprotocols=["roomcast.v1.json"]) as ws:
        await ws.send(json.dumps({"id": 1, "subscribe": {"room": "smoke"}}) + "\n")
        got = []
        async def publish():
            for i in range(N):
                req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/rooms/smoke/messages",
                                             data=f"hello {i}".encode(), headers={"Content-Type": "text/plain"})
                answer = await asyncio.to_thread(lambda: urllib.request.urlopen(req, timeout=5).read())
                assert b'"offset"' in answer, answer  # answered once Redis took it
        subscribed = False
        async def receive():
            nonlocal subscribed
            while len(got) < N:
                for line in (await ws.recv()).splitlines():
                    frame = json.loads(line)
                    if "subscribed" in frame:
                        subscribed = True
                    elif "message" in frame:
                        got.append((frame["message"]["text"], int(frame["message"].get("offset", "0"))))
        recv = asyncio.create_task(receive())
        while not subscribed:
            await asyncio.sleep(0.05)
        await publish()
        await asyncio.wait_for(recv, 20)
        texts = [t for t, _ in got]
        offsets = [o for _, o in got]
        assert texts == [f"hello {i}" for i in range(N)], texts
        assert offsets == list(range(offsets[0], offsets[0] + N)), offsets
        print(f"[smoke] {N} messages published through haproxy reached a WebSocket subscriber through haproxy, in order")

asyncio.run(main())
PY

# Prometheus in the stack scrapes all three nodes with deploy/prometheus/prometheus.yml as shipped.
query() { curl -sf "http://127.0.0.1:$ROOMCAST_PROMETHEUS_PORT/api/v1/query" --data-urlencode "query=$1" \
  | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'; }
up=none
for _ in $(seq 1 60); do
  up=$(query 'count(up{job="roomcast"} == 1)' 2>/dev/null || echo none)
  [ "$up" = 3 ] && break
  sleep 1
done
[ "$up" = 3 ] || fail "prometheus sees $up roomcast targets up, wanted 3"
delivered=none
for _ in $(seq 1 30); do
  delivered=$(query 'sum(roomcast_messages_delivered_total{job="roomcast"})' 2>/dev/null || echo none)
  [ "$delivered" != none ] && [ "${delivered%%.*}" -ge 20 ] && break
  sleep 1
done
[ "$delivered" != none ] && [ "${delivered%%.*}" -ge 20 ] || fail "prometheus shows $delivered deliveries, wanted at least 20"
log "prometheus in the stack: 3 targets up, $delivered deliveries"

# A graceful stop: SIGTERM drains, the JVM exits by itself within the stop grace period (143 is the
# JVM's status after a SIGTERM it handled; 137 would mean the engine had to SIGKILL it).
t=$(date +%s)
"${COMPOSE[@]}" stop node3 >/dev/null 2>&1
code=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "${PROJECT}_node3_1")
case "$code" in 0|143) ;; *) fail "node3 exited with $code after SIGTERM" ;; esac
"$DOCKER" logs "${PROJECT}_node3_1" 2>&1 | grep -q '"message":"node node3 draining' || fail "node3 did not log its drain"
log "node3 drained and exited ($code) in $(($(date +%s) - t))s after SIGTERM"
curl -sf "http://127.0.0.1:$ROOMCAST_LB_PORT/readyz" >/dev/null || fail "haproxy has no ready node after node3 stopped"
log "passed"
