#!/usr/bin/env bash
# Browser tests need Debian's Chromium and a CJK font. Install them when missing; fail loudly otherwise.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
# (grep reads to the end: with pipefail, grep -q would close the pipe early and fc-list's SIGPIPE fail the check)
fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing ${need[*]} for the browser tests"
if [ "$(id -u)" != 0 ]; then
  echo "ERROR: ${need[*]} missing and not root; run: sudo apt-get install -y chromium fonts-noto-cjk" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || { echo "ERROR: apt-get update failed; browser tests cannot run" >&2; exit 1; }
apt-get install -y -qq "${need[@]}" >/dev/null || { echo "ERROR: could not install ${need[*]}" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "ERROR: /usr/bin/chromium still missing after install" >&2; exit 1; }
