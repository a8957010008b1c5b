#!/usr/bin/env bash
# The repository must stand alone: a clone from GitHub has nothing beside it. Fails when a tracked file
# points outside the repository (the source-material folder beside the clone on development machines) or names an
# absolute path of one machine (/work/…, /root/…, /home/<user>/…, /Users/<user>/…).
# Run by .ci/run and by `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern="\\.\\./shared\\b|'\\.\\.', *'shared'|"'(^|[^A-Za-z0-9_.~-])/(work|root)/|(^|[^A-Za-z0-9_.~-])/(home|Users)/[A-Za-z0-9_.-]+/'
if hits=$(git grep -nIE "$pattern" -- . ':!package-lock.json' ':!data/**' ':!scripts/check-self-contained.sh' 2>/dev/null); then
  echo "check-self-contained: these lines point outside the repository or name a path of one machine." >&2
  echo "A clone has nothing beside it: copy what is needed into the repository (data/, docs/) and use" >&2
  echo "paths relative to the file (new URL('…', import.meta.url)) instead:" >&2
  echo "$hits" | cut -c1-200 >&2
  exit 1
fi
echo "check-self-contained: no path outside the repository"
