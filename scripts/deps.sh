#!/bin/sh
# Installs the Debian packages the project needs to build, test and run the
# local stack, and only those that are missing. Safe to run often: when
# everything is already installed it asks dpkg once and returns at once.
# Called by `make deps`, `make run` and `make test`.
set -eu

# Every Debian package the project needs, in one place.
PACKAGES="
build-essential pkg-config
protobuf-c-compiler libprotobuf-c-dev
libnats-dev nats-server
libpq-dev postgresql postgresql-client
libcivetweb-dev libcurl4-openssl-dev libsrtp2-dev libssl-dev
libcriterion-dev libjansson-dev libargon2-dev
libsofia-sip-ua-dev libspeexdsp-dev
libpocketsphinx-dev pocketsphinx-en-us libespeak-ng-dev espeak-ng
libcsv-dev libphonenumber-dev libical-dev libglib2.0-dev libicu-dev
sip-tester docker-compose
python3 python3-yaml curl ca-certificates procps iproute2
"

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps.sh: dpkg-query not found: this script installs Debian packages;" >&2
    # shellcheck disable=SC2086 # one line, words separated by spaces
    echo "install the equivalents of these by hand:" $PACKAGES >&2
    exit 1
fi

# One dpkg-query for the whole list. Unknown packages go to stderr and are
# simply absent from the output; names may carry an architecture suffix.
# shellcheck disable=SC2086
installed=$(dpkg-query -W -f='${binary:Package} ${db:Status-Status}\n' $PACKAGES 2>/dev/null |
    awk '$2 == "installed" { sub(/:.*/, "", $1); print $1 }' || true)

missing=""
for p in $PACKAGES; do
    case "
$installed
" in
    *"
$p
"*) ;;
    *) missing="$missing $p" ;;
    esac
done
missing=${missing# }

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: these Debian packages are missing: $missing" >&2
    echo "install them with:" >&2
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing" >&2
    exit 1
fi

echo "deps.sh: installing $missing"
export DEBIAN_FRONTEND=noninteractive
# needrestart (when present) would otherwise print a report after every install.
export NEEDRESTART_SUSPEND=1
apt-get -q update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
