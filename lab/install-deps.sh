#!/bin/bash
# Install the Debian packages the project needs on the host, once.
set -euo pipefail
pkgs=(build-essential bc bison flex libelf-dev libssl-dev kmod cpio xz-utils
      git python3 qemu-system-x86 qemu-utils busybox-static gnuplot-nox
      clang libclang-rt-14-dev bochs bochsbios vgabios isolinux
      syslinux-common genisoimage cpuid man-db bochs-term
      linux-perf bpftrace debootstrap lintian)
# exitstat's Prometheus checks (promtool, node_exporter's textfile collector,
# curl to scrape it) and make test's shellcheck suite.
pkgs+=(prometheus prometheus-node-exporter curl shellcheck)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$(id -u)" = 0 ] || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
