#!/usr/bin/env bash
# Installs what the tests need from the system when missing: redis-server (tests spawn their own on
# free ports), Debian's chromium (Playwright drives it; browser downloads cannot work here) and openssl
# (the HTTPS/HTTP/2 tests make a self-signed certificate with it), and nginx-light with libnginx-mod-nchan
# (the bench's nchan peer).
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -f /usr/lib/nginx/modules/ngx_nchan_module.so ] || missing+=(libnginx-mod-nchan)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "likewire: installing system packages: ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "likewire: apt-get not found; install ${missing[*]} with your package manager" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
