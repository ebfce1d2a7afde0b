#!/bin/sh
# Installs the Debian packages listed in a list file (default scripts/system-packages.txt)
# that are missing. Quiet and quick when everything is there; uses sudo when not root.
set -eu
here=$(dirname "$0")
list=${1:-$here/system-packages.txt}
pkgs=$(grep -v '^#' "$list" | tr -s ' \n' ' ')
missing=""
for p in $pkgs; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0
echo "installing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
