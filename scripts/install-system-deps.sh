#!/usr/bin/env bash
# Installs from Debian's packages, once, what the console and its tests need: restic (the backup
# engine under the agent and behind the console's storage), chromium for the browser tests and the
# PostgreSQL server for the second test run (and Node with npm, for the single sign-on tests' OpenID
# provider, when make install-test finds no npm). With arguments, only those of them (make run: restic).
set -euo pipefail
wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(restic chromium postgresql)
need=()
for package in "${wanted[@]}"; do
  case "$package" in
    postgresql) ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql) ;;
    nodejs) command -v node >/dev/null 2>&1 || need+=(nodejs) ;;
    *) command -v "$package" >/dev/null 2>&1 || need+=("$package") ;;
  esac
done
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing ${need[*]} from Debian's packages"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
