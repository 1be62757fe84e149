#!/usr/bin/env bash
# Sandbox Asterisk: a Debian sid chroot (Debian 12 ships no Asterisk package).
#
#   sandbox.sh provision   build the chroot once into the cache (idempotent)
#   sandbox.sh start       mount /proc and start Asterisk in the background
#   sandbox.sh stop        stop Asterisk and unmount /proc
#   sandbox.sh status      exit 0 when Asterisk answers "core show version"
#   sandbox.sh reset       cold state: empty astdb, spool, logs and Hotline's
#                          include files (Asterisk must be stopped)
#   sandbox.sh root        print the chroot directory
#
# The chroot lives outside the work tree (HOTLINE_ASTERISK_CACHE) so reruns
# and fresh clones reuse it.  /proc is mounted only while Asterisk runs:
# copying a chroot with /proc mounted once swallowed /proc/kcore and filled
# the disk, so provision refuses to touch a chroot whose /proc is mounted.
set -euo pipefail

CACHE_DIR=${HOTLINE_ASTERISK_CACHE:-/var/cache/hotline}
ROOT="$CACHE_DIR/asterisk-sid"
MIRROR=${HOTLINE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES=asterisk,asterisk-core-sounds-en-wav,asterisk-moh-opsound-wav,procps

proc_mounted() { mountpoint -q "$ROOT/proc" 2>/dev/null; }

asterisk_pid() {
  # pidof inside the chroot would need /proc there; look from the host.
  local pid
  for pid in $(pgrep -x asterisk 2>/dev/null || true); do
    if [[ "$(readlink "/proc/$pid/root" 2>/dev/null)" == "$ROOT" ]]; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

provision() {
  if [[ -x "$ROOT/usr/sbin/asterisk" && -f "$ROOT/.hotline-provisioned" ]]; then
    return 0
  fi
  if ! command -v debootstrap >/dev/null; then
    echo "sandbox: debootstrap is missing (apt-get install debootstrap)" >&2
    exit 1
  fi
  mkdir -p "$CACHE_DIR"
  local staging="$ROOT.partial"
  if mountpoint -q "$staging/proc" 2>/dev/null; then umount "$staging/proc"; fi
  rm -rf "$staging"
  echo "sandbox: building Asterisk chroot in $ROOT (about a minute)" >&2
  debootstrap --variant=minbase --include="$PACKAGES" sid "$staging" "$MIRROR" \
    >"$CACHE_DIR/debootstrap.log" 2>&1 || {
      echo "sandbox: debootstrap failed, see $CACHE_DIR/debootstrap.log" >&2
      tail -20 "$CACHE_DIR/debootstrap.log" >&2
      exit 1
    }
  # ARI recordings fail with a 500 when this directory is missing.
  mkdir -p "$staging/var/spool/asterisk/recording"
  touch "$staging/.hotline-provisioned"
  rm -rf "$ROOT"
  mv "$staging" "$ROOT"
}

# Asterisk runs as the chroot's own "asterisk" account, never as root.  The
# chroot's passwd is Debian's, whose uid may belong to someone else on the
# host (here: 101, the host's postgres).  A process's uid is the host's uid,
# so Asterisk would share signals, /proc/<pid>/root and files with that
# account: renumber it to an id no host account or group uses.
FREE_ID_FIRST=64100
FREE_ID_LAST=64999

chroot_id() { awk -F: -v name="$2" '$1 == name { print $3 }' "$ROOT/etc/$1"; }

host_has_id() { getent passwd "$1" >/dev/null || getent group "$1" >/dev/null; }

chroot_has_id() {
  awk -F: -v id="$1" '$3 == id { found = 1 } END { exit !found }' \
    "$ROOT/etc/passwd" "$ROOT/etc/group"
}

own_asterisk_account() {
  local uid gid id
  uid=$(chroot_id passwd asterisk)
  gid=$(chroot_id group asterisk)
  if [[ -z "$uid" || -z "$gid" ]]; then
    echo "sandbox: the chroot has no asterisk account" >&2
    exit 1
  fi
  if ! host_has_id "$uid" && ! host_has_id "$gid"; then return 0; fi
  for id in $(seq "$FREE_ID_FIRST" "$FREE_ID_LAST"); do
    if ! host_has_id "$id" && ! chroot_has_id "$id"; then break; fi
  done
  echo "sandbox: renumbering the chroot's asterisk account $uid:$gid to $id:$id" >&2
  awk -F: -v OFS=: -v id="$id" '$1 == "asterisk" { $3 = id; $4 = id } { print }' \
    "$ROOT/etc/passwd" >"$ROOT/etc/passwd.new" && mv "$ROOT/etc/passwd.new" "$ROOT/etc/passwd"
  awk -F: -v OFS=: -v id="$id" '$1 == "asterisk" { $3 = id } { print }' \
    "$ROOT/etc/group" >"$ROOT/etc/group.new" && mv "$ROOT/etc/group.new" "$ROOT/etc/group"
  chmod 0644 "$ROOT/etc/passwd" "$ROOT/etc/group"
  # -xdev: never into a mounted /proc (provision and start keep it unmounted here).
  find "$ROOT" -xdev -uid "$uid" -exec chown -h "$id" {} +
  find "$ROOT" -xdev -gid "$gid" -exec chgrp -h "$id" {} +
}

# What Asterisk writes is its own; what it only reads (configuration) is
# root's and readable through its group.  Hotline keeps this for the files
# it writes later (hotline/asterisk_account.py).  Every path is resolved
# inside the chroot: its /var/run is an absolute link to /run, which from
# the host would be the host's own /run.
give_asterisk_its_files() {
  chroot "$ROOT" install -d -o asterisk -g asterisk -m 0750 \
    /run/asterisk /var/spool/asterisk/recording /var/log/asterisk
  chroot "$ROOT" chown -R asterisk:asterisk \
    /var/lib/asterisk /var/spool/asterisk /var/log/asterisk /run/asterisk
  chroot "$ROOT" chgrp -R asterisk /etc/asterisk
  chroot "$ROOT" chmod -R g+rX,o-rwx /etc/asterisk
}

start() {
  provision
  if asterisk_pid >/dev/null; then return 0; fi
  if proc_mounted; then umount "$ROOT/proc" || umount -l "$ROOT/proc"; fi
  own_asterisk_account
  give_asterisk_its_files
  # hidepid: inside the chroot a process sees only its own user's processes,
  # so Asterisk cannot even list the host's.
  mount -t proc -o hidepid=invisible proc "$ROOT/proc"
  # Without /etc/hosts, PJSIP resolves the host name through DNS from its
  # worker threads during calls; with no network that stalls them for the
  # resolver timeout (5-10 s) and calls pile up.
  cp /etc/hosts "$ROOT/etc/hosts"
  rm -f "$ROOT/run/asterisk/asterisk.ctl" "$ROOT/run/asterisk/asterisk.pid"
  # -f keeps it in the foreground of its own setsid session so we can log it;
  # -n disables colour in the log.
  # Asterisk starts as its own account with no capabilities at all.  Its own
  # -U/-G would keep CAP_NET_ADMIN (for QoS marks), which on the host's network
  # namespace is far more than a PBX needs; no_new_privs stops any setuid
  # program it might be tricked into running from gaining privileges.
  setsid chroot "$ROOT" /usr/bin/setpriv --reuid=asterisk --regid=asterisk --clear-groups \
    --inh-caps=-all --bounding-set=-all --no-new-privs \
    /usr/sbin/asterisk -f -n \
    >"$ROOT/var/log/asterisk/console.log" 2>&1 < /dev/null &
  for _ in $(seq 1 100); do
    if status; then return 0; fi
    sleep 0.2
  done
  echo "sandbox: Asterisk did not come up; see $ROOT/var/log/asterisk/console.log" >&2
  tail -30 "$ROOT/var/log/asterisk/console.log" >&2 || true
  exit 1
}

status() {
  asterisk_pid >/dev/null || return 1
  chroot "$ROOT" /usr/sbin/asterisk -rx "core waitfullybooted" >/dev/null 2>&1
}

stop() {
  local pid
  if pid=$(asterisk_pid); then
    chroot "$ROOT" /usr/sbin/asterisk -rx "core stop now" >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  if proc_mounted; then umount "$ROOT/proc" || umount -l "$ROOT/proc"; fi
}

# What a newcomer's freshly built chroot has: no astdb (so no PJSIP objects
# created through ARI), an empty spool (recordings, voicemail, fax files) and
# no logs.  The chroot is cached across clones and runs, so without this a
# warm cache hides first-run bugs (it once did: endpoints left in astdb).
SPOOL_DIRS=(dictate meetme monitor outgoing recording system tmp voicemail)

reset() {
  if asterisk_pid >/dev/null; then
    echo "sandbox: Asterisk is running; stop it before a reset" >&2
    exit 1
  fi
  if proc_mounted; then umount "$ROOT/proc" || umount -l "$ROOT/proc"; fi
  # Only a built chroot has state to empty.  Before the first build the
  # directory may still exist, holding only files Hotline wrote for Asterisk
  # (sounds, fax documents): provision replaces it whole.
  [[ -f "$ROOT/.hotline-provisioned" ]] || return 0
  rm -f "$ROOT"/var/lib/asterisk/astdb.sqlite3*
  # find -delete stays on this filesystem and never follows a symlink out.
  find "$ROOT/var/spool/asterisk" "$ROOT/var/log/asterisk" -xdev -mindepth 1 -delete
  rm -f "$ROOT/etc/asterisk/hotline-custom.conf" "$ROOT/etc/asterisk/hotline-trunks.conf"
  local dir
  for dir in "${SPOOL_DIRS[@]}"; do mkdir -p "$ROOT/var/spool/asterisk/$dir"; done
  mkdir -p "$ROOT/var/log/asterisk/cdr-csv" "$ROOT/var/log/asterisk/cdr-custom"
}

case "${1:-}" in
  provision) provision ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  reset) reset ;;
  root) echo "$ROOT" ;;
  *) echo "usage: $0 provision|start|stop|status|reset|root" >&2; exit 2 ;;
esac
