#!/usr/bin/env bash
# Debian packages the project needs beyond Python: Chromium for the browser tests, a CJK font so
# Chinese renders in screenshots and PDFs, gettext to compile the translations, poppler-utils (pdftoppm) so report tests can look at a PDF page. Installs only
# what is missing, so a prepared machine pays nothing.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qiE "wqy|noto sans cjk|noto serif cjk" || need+=(fonts-wqy-microhei)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v wrk >/dev/null 2>&1 || need+=(wrk)  # the Open311 load benchmarks (benchmarks/bench_open311.py)
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)  # the MQTT broker (tests/iot, bench_mqtt)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "installing Debian packages: ${need[*]}"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get install -y --no-install-recommends "${need[@]}" \
  || { $sudo_cmd apt-get update && $sudo_cmd apt-get install -y --no-install-recommends "${need[@]}"; }
