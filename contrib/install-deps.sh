#!/bin/sh
# install-deps.sh - installs what tandem needs to build and test on Debian 12.
# Usage: sudo contrib/install-deps.sh [--bench]
#   --bench also installs the peers the benchmarks compare against
#   (collectd).
set -eu
# build: compiler, autotools, and the libraries each part is built on
pkgs="build-essential autoconf automake pkg-config libcmocka-dev libinih-dev"
pkgs="$pkgs libcurl4-openssl-dev libjson-c-dev libpq-dev libsnmp-dev librrd-dev"
# tests: the real servers the integration tests start on loopback
pkgs="$pkgs nginx-light openssl postgresql snmpd rrdcached rrdtool procps iproute2 nagios4-core"
pkgs="$pkgs lighttpd chromium curl fonts-dejavu-core"
# the peers whose command lines the tests compare exit codes with
pkgs="$pkgs monitoring-plugins-basic monitoring-plugins-standard snmp libnet-snmp-perl"
case "${1:-}" in
--bench) pkgs="$pkgs collectd-core" ;;
esac
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: run as root (sudo $0)" >&2
	exit 1
fi
# Refresh the package lists once a day at most.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n 1)" ]; then
	apt-get update -qq
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
echo "install-deps.sh: installed $pkgs"
