#!/usr/bin/env bash
# A private Docker engine with locally built images, so that Testcontainers,
# deploy/Dockerfile and the compose file can run here although no image
# registry is reachable. Follows shared/recipes/container-engine.md.
#
#   container-engine.sh start              start dockerd, wait until it answers
#   container-engine.sh images [--rebuild] build local/debian:bookworm and the
#                                          images under .ci/images/ (skips existing)
#   container-engine.sh stop               remove containers, stop dockerd, undo
#                                          its changes to the host's network
# Each is safe to run twice. Needs root and the packages docker.io, debootstrap.
set -euo pipefail

# Everything of ours lives under one directory, kept between runs so that
# images are built once (stop leaves it; delete it by hand to start afresh).
STATE=${ROOMCAST_DOCKER_DIR:-/var/lib/roomcast-ci-docker}
DATA_ROOT=$STATE/data
EXEC_ROOT=$STATE/exec
PIDFILE=$STATE/dockerd.pid
LOG=$STATE/dockerd.log
SOCK=/var/run/docker.sock
export DOCKER_HOST=unix://$SOCK

# Debian's client, not the 28.x one in /usr/local/bin: that one has no buildx,
# so BuildKit and --progress fail with it (recipe, "Traps").
DOCKER=/usr/bin/docker
export DOCKER_BUILDKIT=1

IMAGES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/images
BASE=local/debian:bookworm
# tag, then the folder under .ci/images/ holding its Dockerfile. The tags are
# the names tests and compose files use, so nothing is ever pulled.
IMAGES=(
  "redis:7 redis"
  "roomcast/jre:17 jre"
  "haproxy:2.6 haproxy"
  "prom/prometheus:v2.42.0 prometheus"
)

log() { echo "[engine] $*"; }
die() { echo "[engine] error: $*" >&2; exit 1; }

# Prints the PID of the dockerd this script started, if it still runs.
our_pid() {
  local pid
  [ -s "$PIDFILE" ] || return 1
  pid=$(cat "$PIDFILE")
  kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 1
  echo "$pid"
}

answers() { "$DOCKER" info >/dev/null 2>&1; }

start() {
  local pid
  if pid=$(our_pid); then
    answers && { log "already running (pid $pid)"; return 0; }
  elif answers; then
    # dockerd unlinks the socket path before listening: starting ours would
    # steal the socket from a daemon somebody else runs.
    die "a Docker daemon not started by this script answers on $SOCK; stop it first"
  fi
  mkdir -p "$DATA_ROOT" "$EXEC_ROOT"
  if [ -z "${pid:-}" ]; then
    # A stale pidfile whose PID now belongs to another process makes dockerd refuse to start.
    rm -f "$PIDFILE"
    log "starting dockerd (log: $LOG)"
    # --ip 127.0.0.1: published ports bind to loopback unless a test says otherwise.
    # setsid: the daemon gets its own session, so it outlives a terminal's
    # signals; stop ends it by the PID in its pidfile.
    setsid dockerd --host "$DOCKER_HOST" --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
      --pidfile "$PIDFILE" --ip 127.0.0.1 </dev/null >>"$LOG" 2>&1 &
  fi
  for _ in $(seq 1 120); do
    if answers; then
      log "ready on $DOCKER_HOST (pid $(cat "$PIDFILE"), $("$DOCKER" version -f '{{.Server.Version}}'))"
      return 0
    fi
    sleep 0.5
  done
  tail -n 20 "$LOG" >&2 || true
  die "dockerd did not answer within 60 s"
}

exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

# local/debian:bookworm from a debootstrap root file system, from the same
# mirror and suites as the host's apt, trusting the same extra CAs.
build_base() {
  local rootfs=$STATE/rootfs mirror f
  mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | tr ' ' '\n' | grep -v security | head -n 1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  log "debootstrap bookworm (minbase) from $mirror"
  rm -rf "$rootfs"
  # ca-certificates: outgoing HTTPS goes through an intercepting proxy whose CA
  # the images must trust (Maven in a build, say).
  debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$mirror" \
    >"$STATE/debootstrap.log" 2>&1 || { tail -n 20 "$STATE/debootstrap.log" >&2; die "debootstrap failed"; }
  # The same apt sources as the host, so images get the versions the host has.
  rm -f "$rootfs/etc/apt/sources.list"
  for f in /etc/apt/sources.list.d/*.sources; do
    if [ -e "$f" ]; then cp "$f" "$rootfs/etc/apt/sources.list.d/"; fi
  done
  for f in /usr/local/share/ca-certificates/*.crt; do
    if [ -e "$f" ]; then cp "$f" "$rootfs/usr/local/share/ca-certificates/"; fi
  done
  chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 || log "warning: update-ca-certificates failed in the rootfs"
  # Packages installed in a Dockerfile must not try to start their services.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"
  # Smaller images: no package lists or downloaded .debs in any layer.
  printf '%s\n' 'APT::Keep-Downloaded-Packages "false";' \
    'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";' >"$rootfs/etc/apt/apt.conf.d/docker-clean"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | "$DOCKER" import --change 'CMD ["/bin/bash"]' - "$BASE" >/dev/null
  rm -rf "$rootfs"
  log "built $BASE"
}

images() {
  local rebuild=0 entry tag dir t
  [ "${1:-}" = --rebuild ] && rebuild=1
  answers || die "engine not running: run '$0 start' first"
  if [ $rebuild = 1 ] || ! exists "$BASE"; then build_base; else log "$BASE exists"; fi
  for entry in "${IMAGES[@]}"; do
    read -r tag dir <<<"$entry"
    if [ $rebuild = 0 ] && exists "$tag"; then log "$tag exists"; continue; fi
    t=$(date +%s)
    log "building $tag from .ci/images/$dir"
    # --network=host: apt inside the build reaches the mirror as the host does.
    "$DOCKER" build --network=host -t "$tag" "$IMAGES_DIR/$dir" >"$STATE/build-$dir.log" 2>&1 \
      || { tail -n 30 "$STATE/build-$dir.log" >&2; die "building $tag failed"; }
    log "built $tag in $(($(date +%s) - t))s"
  done
  # Rebuilt images leave their predecessors untagged: drop them.
  "$DOCKER" image prune -f >/dev/null
}

stop() {
  local pid ids table rule chain chains
  if pid=$(our_pid); then
    ids=$("$DOCKER" ps -aq 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -z "$ids" ] || "$DOCKER" rm -f $ids >/dev/null || true
    # Networks a compose file made: dockerd would leave their bridges behind.
    "$DOCKER" network prune -f >/dev/null || true
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then log "dockerd still up after 30 s: SIGKILL"; kill -KILL "$pid"; fi
  elif answers; then
    log "a Docker daemon not started by this script runs: leaving it and the host's network alone"
    return 0
  fi
  rm -f "$PIDFILE"
  # Undo what dockerd changed on the host, whether or not it exited cleanly.
  if mountpoint -q "$EXEC_ROOT/netns/default" 2>/dev/null; then umount "$EXEC_ROOT/netns/default"; fi
  if ip link show docker0 >/dev/null 2>&1; then ip link delete docker0; fi
  if command -v iptables-save >/dev/null; then
    for table in filter nat; do
      # First the rules in built-in chains that lead to Docker's chains or
      # name its bridges (MASQUERADE rules), then Docker's chains themselves.
      iptables-save -t "$table" | grep -E '^-A (INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) .*(-j DOCKER|docker0|br-[0-9a-f]{12})' \
        | while read -r rule; do
            # shellcheck disable=SC2086
            iptables -t "$table" ${rule/#-A/-D}
          done || true
      chains=$(iptables-save -t "$table" | sed -n 's/^:\(DOCKER[^ ]*\) .*/\1/p')
      for chain in $chains; do iptables -t "$table" -F "$chain"; done
      for chain in $chains; do iptables -t "$table" -X "$chain"; done
    done
    iptables -P FORWARD ACCEPT
  fi
  sysctl -qw net.ipv4.ip_forward=0
  log "stopped and cleaned up"
}

case "${1:-}" in
  start) start ;;
  images) shift; images "$@" ;;
  stop) stop ;;
  *) echo "usage: $0 start|images [--rebuild]|stop" >&2; exit 2 ;;
esac
