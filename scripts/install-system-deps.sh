#!/usr/bin/env bash
# Debian packages the test suite uses: Suricata 7 (bookworm-backports), nginx, tcpdump, openssh-server,
# chromium + chromium-driver (browser tests).
# Idempotent; needs root (or sudo). Skips what is already installed.
set -euo pipefail

need=()
command -v suricata >/dev/null 2>&1 || need+=(suricata)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v tcpdump >/dev/null 2>&1 || [ -x /usr/bin/tcpdump ] || need+=(tcpdump)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v curl >/dev/null 2>&1 || need+=(curl)
# deploy/ checks (tests/test_deploy.py): systemd-analyze verify on the units, openssl for a test certificate
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# the web app's browser tests (tests/web/test_browser.py): headless Chromium driven by Selenium
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && { echo "system packages: all present"; exit 0; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if [[ " ${need[*]} " == *" suricata "* ]] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "adding the bookworm-backports suite (Suricata 7)"
  echo "deb http://deb.debian.org/debian bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
fi
echo "installing: ${need[*]}"
$SUDO apt-get update -qq
nginx_before="$(cat /run/nginx.pid 2>/dev/null || true)"
# -t: Suricata 7's libraries (libhtp2, …) come from backports too (when the suite is configured: a machine
# that has Suricata already may lack it and only need, say, chromium).
target=()
grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/ && target=(-t bookworm-backports)
$SUDO apt-get install -y -qq --no-install-recommends "${target[@]}" "${need[@]}" >/dev/null
# The packages just installed must not leave their daemons running (tests start their own instances);
# daemons that were running before, or that other people run on a shared machine, are left alone.
stop_installed() {  # package, service
  [[ " ${need[*]} " == *" $1 "* ]] || return 0
  $SUDO systemctl stop "$2" >/dev/null 2>&1 || $SUDO service "$2" stop >/dev/null 2>&1 || true
}
stop_installed suricata suricata
stop_installed openssh-server ssh
if [[ " ${need[*]} " == *" nginx "* ]]; then
  stop_installed nginx nginx
  pid="$(cat /run/nginx.pid 2>/dev/null || true)"  # the package's own nginx (its pid file), if still up
  if [ -n "$pid" ] && [ "$pid" != "$nginx_before" ] && kill -0 "$pid" 2>/dev/null; then
    $SUDO kill -QUIT "$pid" 2>/dev/null || true
  fi
fi
echo "system packages installed"
