#!/usr/bin/env bash
# Sourced by the other scripts: install what is missing from Debian's archive.
#
#   need_cmd CMD PACKAGE   if CMD is not on PATH, apt-get install PACKAGE (once per
#                          shell, after one apt-get update); fail if CMD is still missing
#
# Installing needs root (or sudo). Package services are not started: kpv's scripts
# start their own project-local instances on loopback.

_debian_updated=0
need_cmd() {
  local cmd="$1" pkg="$2" sudo=""
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "debian.sh: $cmd is missing; install the Debian package $pkg" >&2; return 1; }
    sudo=sudo
  fi
  echo "debian.sh: $cmd not found, installing Debian package $pkg" >&2
  if [ "$_debian_updated" = 0 ]; then
    $sudo apt-get update >&2 || return 1
    _debian_updated=1
  fi
  # policy-rc.d refusal keeps the package from starting its own service where
  # an init system would; kpv runs its own instances.
  $sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y --no-install-recommends "$pkg" >&2 || return 1
  command -v "$cmd" >/dev/null 2>&1 || { echo "debian.sh: installed $pkg but $cmd is still missing" >&2; return 1; }
}
