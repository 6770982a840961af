#!/usr/bin/env bash
# Builds the images the real node needs without Docker and without any public registry, and
# writes them into a registry storage directory that the node's registry is seeded from:
#   slipway/pause:3.10                 pause (compiled by build-node.sh from the Kubernetes module)
#   slipway/kaniko-executor:v1.25.5    FROM scratch, the upstream layout, the project test CA only
#   slipway/git:bookworm               Debian minbase + git + openssh-client, user 65532 in passwd
#   slipway/postgres:15-bookworm       Debian's postgresql-15 behind the official image's contract
#                                      (like the official image: no USER; as root it drops to 999)
#   slipway/debian-os:bookworm         Debian with Python 3, venv, pip, build tools: the OS image
#                                      base-images/runtime/Dockerfile takes as UBUNTU_IMAGE here
#   slipway/jre-jlink:17-bookworm      Debian's OpenJDK 17 jlinked to the operator's modules, on glibc,
#                                      libgcc, libstdc++ and zlib only, user 65532: the operator image's base here
# Root file systems come from debootstrap (Debian's mirror only); layers are tar files pushed
# with crane to a throw-away docker-registry on loopback. Nothing from the host's own CA store
# goes into an image: the bundles hold the project's test CA (e2e/node/README.md).
#
# Called by e2e/build-node.sh (SLIPWAY_NODE_CACHE, CRANE, KANIKO_EXECUTOR, PAUSE set).
# Prints the directory holding registry/ (storage), images.env and test-ca/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${SLIPWAY_NODE_CACHE:?}"
if [[ ${1:-} != --rootfs-only ]]; then crane="${CRANE:?}"; kaniko="${KANIKO_EXECUTOR:?}"; pause="${PAUSE:?}"; fi
suite="${DEBIAN_SUITE:-bookworm}"
mirror="${DEBIAN_MIRROR:-}"
if [[ -z $mirror ]]; then
  # the first Debian archive apt uses on this machine (not the security archive)
  mirror="$(grep -hoE '(URIs:|^deb)[[:space:]]+[^[:space:]]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | awk '{print $2}' | grep -E '/debian/?$' | head -1 || true)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"
log() { echo "images: $*" >&2; }
key_of() { sha256sum | cut -c1-16; }

# The project's own test CA: the only CA the images trust. Tests may issue server
# certificates from it (an https Git server, an https registry).
ca_dir="$cache/test-ca"
if [[ ! -s $ca_dir/ca.crt ]]; then
  mkdir -p "$ca_dir.tmp"
  openssl ecparam -name prime256v1 -genkey -noout -out "$ca_dir.tmp/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$ca_dir.tmp/ca.key" -subj "/CN=Slipway test CA (local only)" -days 3650 \
    -out "$ca_dir.tmp/ca.crt" 2>/dev/null
  chmod 600 "$ca_dir.tmp/ca.key"
  rm -rf "$ca_dir" && mv "$ca_dir.tmp" "$ca_dir"
fi

# Lines of the host's own extra CA certificates: none may appear in any image.
host_ca_lines=()
for crt in /usr/local/share/ca-certificates/*.crt /usr/local/share/ca-certificates/*/*.crt; do
  [[ -f $crt ]] || continue
  line="$(grep -v -- '-----' "$crt" | sed -n 2p)"
  [[ -n $line ]] && host_ca_lines+=("$line")
done
# ... and their SHA-256 fingerprints, for Java trust stores (binary: no PEM line to grep).
host_ca_fingerprints=()
for crt in /usr/local/share/ca-certificates/*.crt /usr/local/share/ca-certificates/*/*.crt; do
  [[ -f $crt ]] || continue
  fp="$(openssl x509 -in "$crt" -noout -fingerprint -sha256 2>/dev/null | cut -d= -f2)"
  [[ -n $fp ]] && host_ca_fingerprints+=("$fp")
done
assert_no_host_ca() { # directory
  local l ks
  for l in "${host_ca_lines[@]}"; do
    if grep -rqF -- "$l" "$1" 2>/dev/null; then
      echo "images: a CA certificate of this machine ended up in $1; refusing to build the image" >&2
      exit 1
    fi
  done
  while IFS= read -r -d '' ks; do
    local listed
    grep -qI . "$ks" && continue   # a text file of that name (ca-certificates-java's settings)
    listed="$(keytool -list -keystore "$ks" -storepass changeit 2>&1)" \
      || { echo "images: cannot read the Java trust store $ks to check it: $listed" >&2; exit 1; }
    for l in "${host_ca_fingerprints[@]}"; do
      if grep -qF -- "$l" <<<"$listed"; then
        echo "images: a CA certificate of this machine ended up in the Java trust store $ks; refusing to build the image" >&2
        exit 1
      fi
    done
  done < <(find "$1" -xdev -type f \( -name cacerts -o -name '*.jks' -o -name '*.p12' \) -print0)
}

# ---- root file systems -------------------------------------------------------------------

pkgs_os="python3,python3-venv,python3-pip,python3-dev,libpython3.11,build-essential,tzdata,ca-certificates"
pkgs_git="git,openssh-client"
pkgs_postgres="postgresql-15"
# the jlinked runtime: a JDK (its jmods are in the headless package; only to run jlink), and the libraries it needs
pkgs_jdk="openjdk-17-jdk-headless"
jlink_libs="libc6 libgcc-s1 libstdc++6 zlib1g"
# what the operator's jar uses (jdeps and its class files' references), plus TLS (EC), JFR, DNS
jlink_modules="java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.net.http,java.rmi,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,jdk.charsets,jdk.crypto.ec,jdk.httpserver,jdk.jfr,jdk.management,jdk.management.jfr,jdk.naming.dns,jdk.net,jdk.security.auth,jdk.unsupported,jdk.zipfs"

customize_os() { # the runtime Dockerfile's packages are installed already; no apt source reachable
  :
}
customize_git() {
  local r=$1
  echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/bin/sh' >> "$r/etc/passwd"
  echo 'nonroot:x:65532:' >> "$r/etc/group"
  echo 'nonroot:!:19000::::::' >> "$r/etc/shadow"
  mkdir -p "$r/home/nonroot" && chown 65532:65532 "$r/home/nonroot"
  mkdir -p "$r/etc/ssl/certs"
  cp "$ca_dir/ca.crt" "$r/etc/ssl/certs/ca-certificates.crt"
  chmod 644 "$r/etc/ssl/certs/ca-certificates.crt"
}
customize_postgres() {
  local r=$1 old_uid old_gid
  old_uid="$(awk -F: '$1=="postgres"{print $3}' "$r/etc/passwd")"
  old_gid="$(awk -F: '$1=="postgres"{print $3}' "$r/etc/group")"
  # uid/gid 999, as in the official image (volumes and fsGroup depend on it)
  chroot "$r" groupmod -g 999 postgres
  chroot "$r" usermod -u 999 -g 999 postgres
  find "$r" -xdev \( -uid "$old_uid" -o -gid "$old_gid" \) -exec chown -h 999:999 {} +
  # no cluster, no snakeoil key baked into the image
  rm -rf "$r/var/lib/postgresql/15" "$r/etc/postgresql/15"
  rm -f "$r/etc/ssl/private/ssl-cert-snakeoil.key" "$r/etc/ssl/certs/ssl-cert-snakeoil.pem"
  find "$r/etc/ssl/certs" -xtype l -delete
  mkdir -p "$r/var/lib/postgresql/data" "$r/var/run/postgresql" "$r/docker-entrypoint-initdb.d"
  chown 999:999 "$r/var/lib/postgresql" "$r/var/lib/postgresql/data" "$r/var/run/postgresql"
  chmod 3777 "$r/var/run/postgresql"
  install -m 0755 "$here/images/postgres-entrypoint.sh" "$r/usr/local/bin/docker-entrypoint.sh"
}

bootstrap() { # name packages dir: debootstrap minbase + packages into dir (Debian's mirror only)
  local name=$1 pkgs=$2 r=$3 stale
  mkdir -p "$cache/rootfs" "$cache/debs"
  # what an interrupted or failed build left (under the build lock no other build is running)
  for stale in "$cache/rootfs/$name"-*.d; do
    [[ -d $stale ]] && { umount_below "$stale"; rm -rf "$stale"; }
  done
  log "debootstrap $suite minbase + $pkgs from $mirror"
  # two stages, so that no package's maintainer script starts a service in the chroot
  nice -n 10 debootstrap --variant=minbase --foreign --include="$pkgs" --cache-dir="$cache/debs" \
    "$suite" "$r" "$mirror" >"$cache/rootfs/$name.log" 2>&1 || { tail -20 "$cache/rootfs/$name.log" >&2; umount_below "$r"; exit 1; }
  printf '#!/bin/sh\nexit 101\n' > "$r/usr/sbin/policy-rc.d" && chmod 755 "$r/usr/sbin/policy-rc.d"
  nice -n 10 chroot "$r" /debootstrap/debootstrap --second-stage >>"$cache/rootfs/$name.log" 2>&1 \
    || { tail -20 "$cache/rootfs/$name.log" >&2; umount_below "$r"; exit 1; }
  umount_below "$r"
}

slim() { # dir: what no image needs, and nothing of this machine's
  local r=$1
  rm -f "$r/usr/sbin/policy-rc.d" "$r/etc/resolv.conf" "$r/etc/hostname" "$r/etc/machine-id"
  rm -rf "$r"/usr/share/{doc,man,info,locale,lintian}/* "$r"/var/cache/apt/* "$r"/var/lib/apt/lists/* \
    "$r"/var/log/* "$r"/tmp/* "$r"/run/* "$r"/debootstrap "$r"/var/cache/debconf/*-old "$r"/var/lib/dpkg/*-old
  find "$r/dev" "$r/proc" "$r/sys" -mindepth 1 -delete 2>/dev/null || true
}

layer_tar() { # dir out.tar: the directory as one reproducible layer, checked for this machine's CAs
  assert_no_host_ca "$1"
  (cd "$1" && tar --numeric-owner --sort=name --mtime=@0 -cf "$2.tmp" $(ls -A))
  mv "$2.tmp" "$2"
}

rootfs_key() { # name packages [files...]: the inputs of a root file system (the customising
  # function, and add_nonroot when it calls it, included)
  local name=$1 pkgs=$2; shift 2
  local code; code="$(declare -f "customize_$name")"
  [[ $code == *add_nonroot* ]] && code+="$(declare -f add_nonroot)"
  printf '%s\n' "$name" "$pkgs" "$suite" "$mirror" "$code" "$(cat /dev/null "$@" | sha256sum)" "v1" | key_of
}

add_nonroot() { # root: user and group nonroot (65532) with a home, as distroless images have
  local r=$1
  echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin' >> "$r/etc/passwd"
  echo 'nonroot:x:65532:' >> "$r/etc/group"
  mkdir -p "$r/home/nonroot" && chown 65532:65532 "$r/home/nonroot"
}
# The jlinked runtime on a root file system of four Debian packages' files: glibc, libgcc,
# libstdc++, zlib (what java and libjvm.so link), /etc/passwd and /etc/group, a trust store.
customize_jlink() { # builder root -> minimal root at $builder/minimal
  local b=$1 m=$1/minimal jdk
  jdk="$(dirname "$(dirname "$(chroot "$b" readlink -f /usr/bin/javac)")")"
  mkdir -p "$m/opt"
  mount -t proc proc "$b/proc"
  chroot "$b" "$jdk/bin/jlink" --module-path "$jdk/jmods" --add-modules "$jlink_modules" --output /minimal/opt/java \
    --strip-java-debug-attributes --no-man-pages --no-header-files >>"$cache/rootfs/jlink.log" 2>&1 || { umount_below "$b"; tail -20 "$cache/rootfs/jlink.log" >&2; exit 1; }
  # the trust store ca-certificates-java made from Debian's ca-certificates, not the jmod's copy
  cp "$b/etc/ssl/certs/java/cacerts" "$m/opt/java/lib/security/cacerts"
  chroot "$b" /minimal/opt/java/bin/java -Xshare:dump >>"$cache/rootfs/jlink.log" 2>&1   # the default CDS archive
  umount_below "$b"
  # merged /usr, as Debian's: the packages' /lib files land in /usr/lib
  mkdir -p "$m/usr/lib" "$m/usr/lib64" "$m/usr/bin" "$m/usr/sbin" "$m/etc" "$m/tmp" "$m/home"
  ln -s usr/lib "$m/lib"; ln -s usr/lib64 "$m/lib64"; ln -s usr/bin "$m/bin"; ln -s usr/sbin "$m/sbin"
  chroot "$b" sh -c 'dpkg -L '"$jlink_libs"' | while read -r f; do if [ -f "$f" ] && { [ ! -L "$f" ] || [ ! -d "$f" ]; }; then cp -a --parents "$f" /minimal; fi; done'
  # documentation, and glibc's iconv modules (Java converts charsets itself)
  rm -rf "$m"/usr/share/{doc,lintian,man,info} "$m"/usr/lib/x86_64-linux-gnu/gconv
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\n' > "$m/etc/passwd"
  printf 'root:x:0:\n' > "$m/etc/group"
  add_nonroot "$m"
  printf 'hosts: files dns\n' > "$m/etc/nsswitch.conf"
  chmod 1777 "$m/tmp"
}
jlink_rootfs() { # -> prints the layer tar of the jlinked runtime's root file system
  local key; key="$(printf '%s\n' "$(rootfs_key jlink "$pkgs_jdk")" "$jlink_libs" "$jlink_modules" | key_of)"
  local out="$cache/rootfs/jlink-$key.tar"
  if [[ ! -s $out ]]; then
    local start=$SECONDS b="$cache/rootfs/jlink-$key.d"
    bootstrap jlink "$pkgs_jdk" "$b"
    customize_jlink "$b"
    layer_tar "$b/minimal" "$out" && rm -rf "$b"
    log "cold build of the jlink root file system took $((SECONDS - start))s ($(du -h "$out" | cut -f1))"
  fi
  echo "$out"
}

rootfs() { # name packages [files the customising function uses...] -> prints the layer tar
  local name=$1 pkgs=$2
  local key; key="$(rootfs_key "$@")"
  local out="$cache/rootfs/$name-$key.tar"
  if [[ ! -s $out ]]; then
    local start=$SECONDS r="$cache/rootfs/$name-$key.d"
    bootstrap "$name" "$pkgs" "$r"
    "customize_$name" "$r"
    slim "$r"
    layer_tar "$r" "$out" && rm -rf "$r"
    log "cold build of the $name root file system took $((SECONDS - start))s ($(du -h "$out" | cut -f1))"
  fi
  echo "$out"
}

umount_below() { # leave no proc/sys mount of debootstrap's second stage behind
  [[ -n $1 ]] || return 0
  grep -o " $1/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
}

os_tar="$(rootfs os "$pkgs_os")"
git_tar="$(rootfs git "$pkgs_git" "$ca_dir/ca.crt")"
postgres_tar="$(rootfs postgres "$pkgs_postgres" "$here/images/postgres-entrypoint.sh")"
jlink_tar="$(jlink_rootfs)"
# "images.sh --rootfs-only": build.sh runs this early, in the background, beside the Go builds
[[ ${1:-} == --rootfs-only ]] && exit 0

# ---- images into a seed registry --------------------------------------------------------

images_key="$(printf '%s\n' "$os_tar" "$git_tar" "$postgres_tar" "$jlink_tar" "$(cat "$kaniko" "$pause" "$crane" "$0" "$ca_dir/ca.crt" | sha256sum)" | key_of)"
dir="$cache/images/$images_key"
if [[ -s $dir/images.env ]]; then
  echo "$dir"
  exit 0
fi
start=$SECONDS
rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/registry" "$dir.tmp/work"
work="$dir.tmp/work"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > "$work/registry.yml" <<EOF
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $dir.tmp/registry}
  delete: {enabled: true}
http: {addr: 127.0.0.1:$port}
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
reg="127.0.0.1:$port"
env_file="$work/images.env"
: > "$env_file"

push() { # variable repository:tag layer.tar [crane mutate flags...]
  local var=$1 ref=$2 layer=$3; shift 3
  "$crane" append --insecure -f "$layer" -t "$reg/$ref" >/dev/null 2>>"$work/crane.log"
  "$crane" mutate --insecure --set-platform linux/amd64 -t "$reg/$ref" "$@" "$reg/$ref" >/dev/null 2>>"$work/crane.log"
  local digest; digest="$("$crane" digest --insecure "$reg/$ref")"
  printf '%s_IMAGE=%s\n%s_DIGEST=%s\n' "$var" "$ref" "$var" "$digest" >> "$env_file"
  log "$ref@$digest"
}

# pause
mkdir -p "$work/pause" && cp "$pause" "$work/pause/pause"
tar --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$work/pause" -cf "$work/pause.tar" pause
push PAUSE slipway/pause:3.10 "$work/pause.tar" --entrypoint /pause --user 65535:65535

# Kaniko: the upstream image's layout, FROM scratch
k="$work/kaniko"
mkdir -p "$k/kaniko/ssl/certs" "$k/kaniko/.docker" "$k/etc" "$k/workspace"
cp "$kaniko" "$k/kaniko/executor"
cp "$ca_dir/ca.crt" "$k/kaniko/ssl/certs/ca-certificates.crt"
echo '{}' > "$k/kaniko/.docker/config.json"
printf 'hosts: files dns\n' > "$k/etc/nsswitch.conf"
assert_no_host_ca "$k"
tar --numeric-owner --owner=0 --group=0 --mtime=@0 --sort=name -C "$k" -cf "$work/kaniko.tar" kaniko etc workspace
push KANIKO slipway/kaniko-executor:v1.25.5 "$work/kaniko.tar" \
  --entrypoint /kaniko/executor -w /workspace \
  -e HOME=/root -e USER=root -e PATH=/usr/local/bin:/kaniko -e SSL_CERT_DIR=/kaniko/ssl/certs -e DOCKER_CONFIG=/kaniko/.docker/

path_env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
push GIT slipway/git:bookworm "$git_tar" -e "$path_env" -e LANG=C.UTF-8 --user 65532:65532 -w /home/nonroot --cmd /bin/sh
push POSTGRES slipway/postgres:15-bookworm "$postgres_tar" \
  -e PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  -e LANG=C.UTF-8 -e PGDATA=/var/lib/postgresql/data -e PG_MAJOR=15 \
  --entrypoint /usr/local/bin/docker-entrypoint.sh --cmd postgres --exposed-ports 5432/tcp
push OS slipway/debian-os:bookworm "$os_tar" -e "$path_env" -e LANG=C.UTF-8 --cmd /bin/bash
push JLINK slipway/jre-jlink:17-bookworm "$jlink_tar" -e "PATH=/opt/java/bin:${path_env#PATH=}" -e LANG=C.UTF-8 \
  -e JAVA_HOME=/opt/java --user 65532:65532 -w /home/nonroot

kill "$registry_pid" && wait "$registry_pid" 2>/dev/null || true
trap - EXIT
mv "$env_file" "$dir.tmp/images.env"
ln -s "$ca_dir" "$dir.tmp/test-ca"
rm -rf "$work" "$dir" && mv "$dir.tmp" "$dir"
log "images pushed into the seed registry in $((SECONDS - start))s"
# keep the cache bounded: the two newest image sets and root file systems of each kind
ls -1dt "$cache"/images/*/ 2>/dev/null | tail -n +3 | xargs -r rm -rf
for kind in os git postgres jlink; do ls -1t "$cache"/rootfs/"$kind"-*.tar 2>/dev/null | tail -n +3 | xargs -r rm -f; done
echo "$dir"
