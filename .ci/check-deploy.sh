#!/usr/bin/env bash
# Deployment checks, offline (no systemd running, no Docker engine, no registry pulls):
#   1. systemd/slicebatch.service: `systemd-analyze verify` prints nothing;
#   2. its `systemd-analyze security --offline=yes` exposure is 2.0 or below;
#   3. systemd/slicebatch.sysusers.conf creates the user slicebatch (systemd-sysusers --root);
#   4. Dockerfile: `dockerfile-utils lint` reports nothing (no error, no warning).
# Run alone (.ci/check-deploy.sh) or from .ci/run. Installs systemd with apt-get when
# systemd-analyze is missing, and the npm dev dependencies when the linter is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

UNIT=systemd/slicebatch.service
SYSUSERS=systemd/slicebatch.sysusers.conf
# systemd-analyze security reports exposure from 0.0 to 10.0; --threshold takes tenths (20 = 2.0).
MAX_EXPOSURE_TENTHS=20

fail() {
  echo "check-deploy: FAIL: $*" >&2
  exit 1
}

# --offline and --threshold of `systemd-analyze security` came with systemd 252 (Debian 12).
systemd_ok() {
  command -v systemd-analyze >/dev/null 2>&1 && command -v systemd-sysusers >/dev/null 2>&1 &&
    [ "$(systemd-analyze --version | awk 'NR == 1 { print $2 }')" -ge 252 ] 2>/dev/null
}
if ! systemd_ok; then
  if ! command -v apt-get >/dev/null 2>&1; then
    fail "systemd-analyze and systemd-sysusers (systemd >= 252) are needed and apt-get is not available to install them; install the systemd package of your distribution"
  fi
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "systemd is missing; apt-get needs root and sudo is not available"
    sudo=(sudo)
  fi
  echo "check-deploy: installing systemd (for systemd-analyze) with apt-get"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends systemd >/dev/null
  systemd_ok || fail "systemd >= 252 is needed (installed: $(systemd-analyze --version 2>/dev/null | head -n 1))"
fi
if [ ! -x node_modules/.bin/dockerfile-utils ]; then
  echo "check-deploy: installing the npm dev dependencies (dockerfile-utils)"
  npm ci --no-audit --no-fund
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 1. verify. It checks that ExecStart's program exists, and the unit runs the installed app
# (/opt/slicebatch/bin/slicebatch), which CI does not install. Rather than install into /opt or
# verify an edited copy, verify the file byte for byte inside a throwaway root (--root): the unit
# in its etc/systemd/system, an empty executable at the ExecStart path, and the host's own
# units (sysinit.target, network-online.target, ...) that it depends on. verify reports its
# findings (unknown keys, bad values) as warnings with exit status 0: any output is a failure.
root="$work/root"
exec_path="$(sed -n 's/^ExecStart=[-@:+!]*\([^ ]*\).*/\1/p' "$UNIT" | head -n 1)"
[ -n "$exec_path" ] || fail "$UNIT: no ExecStart="
mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd" "$root$(dirname "$exec_path")"
cp "$UNIT" "$root/etc/systemd/system/"
printf '#!/bin/sh\n' >"$root$exec_path"
chmod 0755 "$root$exec_path"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
verify_out="$(systemd-analyze verify --root="$root" "$(basename "$UNIT")" 2>&1)" ||
  fail "systemd-analyze verify $UNIT failed:"$'\n'"$verify_out"
[ -z "$verify_out" ] || fail "systemd-analyze verify $UNIT is not clean:"$'\n'"$verify_out"
echo "check-deploy: ok: systemd-analyze verify $UNIT (nothing to report)"

# 2. security exposure.
security_out="$(systemd-analyze security --offline=yes --threshold="$MAX_EXPOSURE_TENTHS" "$UNIT" 2>&1)" ||
  fail "$UNIT: exposure above $((MAX_EXPOSURE_TENTHS / 10)).$((MAX_EXPOSURE_TENTHS % 10)):"$'\n'"$security_out"
exposure="$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$security_out")"
[ -n "$exposure" ] || fail "systemd-analyze security printed no exposure level:"$'\n'"$security_out"
echo "check-deploy: ok: systemd-analyze security --offline=yes $UNIT: exposure $exposure (at most $((MAX_EXPOSURE_TENTHS / 10)).$((MAX_EXPOSURE_TENTHS % 10)))"

# 3. sysusers: the file creates the user and group the unit runs as, with no login shell.
unit_user="$(sed -n 's/^User=//p' "$UNIT")"
mkdir -p "$work/sysroot/etc"
systemd-sysusers --root="$work/sysroot" "$PWD/$SYSUSERS" >/dev/null 2>&1 ||
  fail "systemd-sysusers $SYSUSERS failed: $(systemd-sysusers --root="$work/sysroot" "$PWD/$SYSUSERS" 2>&1)"
grep -q "^$unit_user:x:[0-9]*:[0-9]*:[^:]*:[^:]*:/usr/sbin/nologin$" "$work/sysroot/etc/passwd" ||
  fail "$SYSUSERS does not create the user $unit_user of $UNIT (with /usr/sbin/nologin)"
grep -q "^$unit_user:x:" "$work/sysroot/etc/group" || fail "$SYSUSERS does not create the group $unit_user"
echo "check-deploy: ok: $SYSUSERS creates the user $unit_user"

# 4. Dockerfile lint: exit status 1 on errors only, so warnings are caught by the output.
lint_out="$(node_modules/.bin/dockerfile-utils lint Dockerfile 2>&1)" ||
  fail "dockerfile-utils lint Dockerfile:"$'\n'"$lint_out"
[ -z "$lint_out" ] || fail "dockerfile-utils lint Dockerfile is not clean:"$'\n'"$lint_out"
echo "check-deploy: ok: dockerfile-utils lint Dockerfile (nothing to report)"
