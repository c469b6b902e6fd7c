#!/usr/bin/env bash
# Static checks beyond go vet, run by scripts/test.sh (make test):
#   staticcheck ./...        bugs, simplifications, unused code
#   deadcode -test ./...     functions no command or test can reach
# Both are pinned and installed through the Go module proxy into build/tools
# when missing. Exit 1 when either finds anything.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
TOOLS="$REPO/build/tools"
STATICCHECK_VERSION=v0.8.2 # staticcheck 2026.2.2
XTOOLS_VERSION=v0.52.0     # golang.org/x/tools, for deadcode

install() { # install NAME MODULE@VERSION
  if [ ! -x "$TOOLS/$1" ] || ! go version -m "$TOOLS/$1" | grep -q "${2##*@}"; then
    echo "lint.sh: installing $2" >&2
    GOBIN="$TOOLS" go install "$2"
  fi
}
install staticcheck "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
install deadcode "golang.org/x/tools/cmd/deadcode@$XTOOLS_VERSION"

status=0
echo "lint.sh: staticcheck ./..." >&2
"$TOOLS/staticcheck" ./... || status=1
echo "lint.sh: deadcode -test ./..." >&2
dead="$("$TOOLS/deadcode" -test ./...)"
if [ -n "$dead" ]; then
  printf '%s\n' "$dead"
  echo "lint.sh: unreachable functions: remove them, or use them" >&2
  status=1
fi
exit "$status"
