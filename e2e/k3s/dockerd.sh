#!/usr/bin/env bash
# A Docker engine of the tier's own (Debian's docker.io, as root), which changes nothing on the host
# that outlives it:
#
#   e2e/k3s/dockerd.sh start DIR   starts dockerd with everything under DIR: its socket
#                                  (DIR/docker.sock), data root, exec root, containerd state and
#                                  log; prints the DOCKER_HOST to use. Fails with the reason when
#                                  it cannot start (not root, no dockerd, dockerd exited).
#   e2e/k3s/dockerd.sh stop DIR    removes its containers, stops dockerd and what it started,
#                                  deletes its bridge, cgroups and DIR, and fails if anything of
#                                  it is left: a process, a mount, a link, an iptables chain
#
# Settings and why: --iptables=false --ip-forward=false --ip-masq=false (no chain, rule or sysctl
# changes: published ports go through docker-proxy, which needs none); its own bridge slipway-dk0
# made here (not docker0, which another engine may own); its own cgroup parent; --config-file of
# its own (the host's /etc/docker/daemon.json does not apply).
set -euo pipefail

verb="${1:?usage: dockerd.sh start|stop DIR}"
dir="${2:?usage: dockerd.sh start|stop DIR}"
bridge="${SLIPWAY_DOCKER_BRIDGE:-slipway-dk0}"
bridge_cidr="${SLIPWAY_DOCKER_BRIDGE_CIDR:-172.30.254.1/24}"
cgroup_parent=slipway-dockerd
say() { echo "dockerd ($dir): $*" >&2; }
die() { say "$*"; exit 1; }

processes_of() {   # dockerd, its containerd and shims (they name DIR/...), its docker-proxies, the containers
  { grep -laF -- "$dir/" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3
    for f in $(grep -laF docker-proxy /proc/[0-9]*/cmdline 2>/dev/null); do
      { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "-container-ip ${bridge_cidr%.*}." && echo "$f" | cut -d/ -f3
    done
    cat /sys/fs/cgroup/*/"$cgroup_parent"/*/cgroup.procs 2>/dev/null; } | sort -un \
    | while read -r p; do [[ -d /proc/$p ]] && echo "$p"; done   # not the greps above, gone by now
  return 0
}
mounts_under() { awk -v d="$dir" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r; }
docker_chains() { { iptables -S 2>/dev/null; iptables -t nat -S 2>/dev/null; } | grep -oE '^-N DOCKER[^ ]*' | sort -u || true; }
cgroup_dirs() { ls -d /sys/fs/cgroup/*/"$cgroup_parent" /sys/fs/cgroup/"$cgroup_parent" 2>/dev/null || true; }

stop() {
  export DOCKER_HOST="unix://$dir/docker.sock"
  if [[ -S "$dir/docker.sock" ]] && docker version >/dev/null 2>&1; then
    local ids; ids="$(docker ps -aq)"
    [[ -n "$ids" ]] && docker rm -f $ids >/dev/null 2>&1 || true
  fi
  if [[ -s "$dir/docker.pid" ]]; then
    local pid; pid="$(cat "$dir/docker.pid")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  local pids; pids="$(processes_of)"
  if [[ -n "$pids" ]]; then kill -TERM $pids 2>/dev/null || true; sleep 1; pids="$(processes_of)"; fi
  [[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null || true
  local m; for m in $(mounts_under); do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  ip link show "$bridge" >/dev/null 2>&1 && ip link delete "$bridge"
  # docker0 only if this engine made it (it should not: it has --bridge); another engine's stays
  if [[ -f "$dir/docker0-absent" ]] && ip link show docker0 >/dev/null 2>&1; then ip link delete docker0; fi
  local c; for c in $(cgroup_dirs); do find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true; done
  local chains_before=""; [[ -f "$dir/chains-before" ]] && chains_before="$(cat "$dir/chains-before")"
  rm -rf "$dir"

  local left=()
  [[ -n "$(processes_of)" ]] && left+=("processes: $(processes_of | tr '\n' ' ')")
  [[ -n "$(mounts_under)" ]] && left+=("mounts: $(mounts_under | tr '\n' ' ')")
  ip link show "$bridge" >/dev/null 2>&1 && left+=("link $bridge")
  [[ -n "$(cgroup_dirs)" ]] && left+=("cgroups: $(cgroup_dirs | tr '\n' ' ')")
  [[ "$(docker_chains)" != "$chains_before" ]] && left+=("iptables chains: $(docker_chains | tr '\n' ' ')")
  [[ -e "$dir" ]] && left+=("$dir")
  if (( ${#left[@]} )); then die "left behind: ${left[*]}"; fi
  say "stopped; nothing left behind (no process, mount, link, cgroup or iptables chain of it; $dir removed)"
}

start() {
  [[ "$(id -u)" -eq 0 ]] || die "cannot start a Docker engine: it needs root (or set DOCKER_HOST to an engine of yours)"
  command -v dockerd >/dev/null 2>&1 || die "cannot start a Docker engine: no dockerd (install Debian's docker.io: e2e/prerequisites.sh test)"
  command -v docker >/dev/null 2>&1 || die "cannot start a Docker engine: no docker command (Debian's docker.io has it)"
  if [[ -e "$dir" ]]; then say "a previous run left $dir: cleaning it up first"; stop; fi
  ip link show "$bridge" >/dev/null 2>&1 && die "a link named $bridge exists already (another engine of this kind?): not touching it"
  mkdir -p "$dir"
  docker_chains >"$dir/chains-before"
  ip link show docker0 >/dev/null 2>&1 || touch "$dir/docker0-absent"
  echo '{}' >"$dir/daemon.json"
  ip link add "$bridge" type bridge
  ip addr add "$bridge_cidr" dev "$bridge"
  ip link set "$bridge" up
  setsid dockerd \
    --host="unix://$dir/docker.sock" \
    --data-root="$dir/data" \
    --exec-root="$dir/exec" \
    --pidfile="$dir/docker.pid" \
    --config-file="$dir/daemon.json" \
    --bridge="$bridge" \
    --iptables=false --ip-forward=false --ip-masq=false \
    --cgroup-parent="/$cgroup_parent" \
    --exec-opt native.cgroupdriver=cgroupfs \
    --storage-driver=overlay2 \
    --log-level=warn \
    </dev/null >"$dir/dockerd.log" 2>&1 &
  local pid=$!
  export DOCKER_HOST="unix://$dir/docker.sock"
  for _ in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then
      local log; log="$(tail -20 "$dir/dockerd.log")"
      stop >/dev/null 2>&1 || true
      die "cannot start a Docker engine: dockerd exited:
$log"
    fi
    docker version >/dev/null 2>&1 && break
    sleep 0.2
  done
  docker version >/dev/null 2>&1 || { local log; log="$(tail -20 "$dir/dockerd.log")"; stop >/dev/null 2>&1 || true; die "cannot start a Docker engine: dockerd did not answer within 30 s:
$log"; }
  say "dockerd $(docker version -f '{{.Server.Version}}') (API $(docker version -f '{{.Server.APIVersion}}')) on $DOCKER_HOST, bridge $bridge $bridge_cidr, no iptables changes"
  echo "$DOCKER_HOST"
}

case "$verb" in
  start) start ;;
  stop) stop ;;
  *) die "unknown verb $verb (start, stop)" ;;
esac
