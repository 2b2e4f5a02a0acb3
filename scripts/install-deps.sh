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
    python3-prometheus-client:python3  # keepalived-rs metrics test: the exposition parser
    python3-aiosmtpd:python3   # vrrpd alerts test: the SMTP sink (tests/smtp_sink.py)
    python3-jsonschema:python3 # keepalived-rs operations test: kactl status --json vs its schema
)

# Python modules the tests import, each "package:module". Checked with
# Debian's python3: a pyenv or venv python earlier on PATH does not see
# Debian's packages, and the tests look for /usr/bin/python3 first too.
PYTHON_MODULES=(
    python3-prometheus-client:prometheus_client.parser
    python3-aiosmtpd:aiosmtpd
    python3-jsonschema:jsonschema
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

for entry in "${PYTHON_MODULES[@]}"; do
    if ! /usr/bin/python3 -c "import ${entry##*:}" 2>/dev/null; then
        echo "install-deps: ${entry%%:*} is installed but /usr/bin/python3 cannot import ${entry##*:}" >&2
        exit 1
    fi
done

# The packages' services are not needed: every daemon in the tests runs in a
# lab namespace with its own config, sockets and pid files. Ones already
# running belong to the machine's owner and are left alone.
echo "install-deps: all test prerequisites present"
