#!/usr/bin/env bash
# Installs the Debian packages the tests use (as root). Idempotent: it only
# calls apt when something is missing, so a second run costs a second or two.
set -euo pipefail

# What the current tests need, and no more. Each entry is "package:command"
# (the command proves the package works) so a broken install is caught here,
# not as a confusing test failure later.
PACKAGES=(
    iproute2:ip          # netlab: namespaces, veth, bridges
    nftables:nft         # netlab: cuts, partitions, loss
    procps:sysctl        # netlab: per-namespace sysctls
    iputils-ping:ping    # netlab tests
    keepalived:keepalived  # the VRRP peer and config oracle
    frr:vtysh            # FRR bfdd + zebra, a BFD peer
    bird2:birdc          # BIRD, a BFD peer
    nginx-light:nginx    # a real web server for checker tests
    tcpdump:tcpdump      # vrrpd tests: ARPs and adverts seen on the wire
    python3:python3      # vrrpd robustness test: the raw-frame sender
    python3-aiosmtpd:aiosmtpd  # vrrpd alerts test: the SMTP sink (tests/smtp_sink.py)
)

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: must run as root (network namespaces and apt need it)" >&2
    exit 1
fi

missing=()
for entry in "${PACKAGES[@]}"; do
    package=${entry%%:*}
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # policy-rc.d keeps the packages' services from starting in the root
    # namespace: every daemon in the tests runs inside a lab namespace.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for entry in "${PACKAGES[@]}"; do
    command=${entry##*:}
    if ! PATH="$PATH:/usr/sbin:/sbin:/usr/lib/frr" command -v "$command" >/dev/null; then
        echo "install-deps: ${entry%%:*} is installed but \`$command\` is missing" >&2
        exit 1
    fi
done

# The packages' services are not needed: every daemon in the tests runs in a
# lab namespace with its own config, sockets and pid files. Ones already
# running belong to the machine's owner and are left alone.
echo "install-deps: all test prerequisites present"
