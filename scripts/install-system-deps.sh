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
# -t: Suricata 7's libraries (libhtp2, …) come from backports too (when the suite is configured: a machine
# that has Suricata already may lack it and only need, say, chromium).
target=()
grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/ && target=(-t bookworm-backports)
$SUDO apt-get install -y -qq --no-install-recommends "${target[@]}" "${need[@]}" >/dev/null
# Packages must not leave daemons running on the machine: tests start their own instances.
for svc in nginx suricata ssh; do $SUDO systemctl stop "$svc" >/dev/null 2>&1 || true; done
pkill -x nginx 2>/dev/null || true
echo "system packages installed"
