#!/usr/bin/env bash
# Netlify's build command (netlify.toml): install the project, build the site with production
# settings, then write the /api/* proxy rule from BOOKING_FUNCTION_URL.
#   bash devtools/deploy/netlify_build.sh [--no-install] [OUTPUT_DIR]
# --no-install skips pip (for a local dry run in a .venv that already has the project).
set -euo pipefail
cd "$(dirname "$0")/../.."

install=1
if [ "${1:-}" = "--no-install" ]; then
  install=0
  shift
fi
output="${1:-output}"
python="${PYTHON:-python3}"

# Fail before spending build minutes when the function's address is missing.
"$python" devtools/deploy/redirects.py --check

if [ "$install" = 1 ]; then
  # Netlify installs requirements.txt by itself, never pyproject.toml: install the project here.
  "$python" -m pip install --quiet --disable-pip-version-check -e '.[site]'
  # The pinned Decap CMS bundle for /admin/ (package-lock.json); publishconf stops a Netlify build without it.
  npm ci --no-audit --no-fund --silent
fi

# publishconf.py reads SITE_URL; Netlify's own URL (the site's main address) stands in when unset.
export SITE_URL="${SITE_URL:-${URL:-}}"
if [ -z "$SITE_URL" ]; then
  echo "netlify_build: SITE_URL is not set (nor Netlify's URL): set it to the site's address, like https://events.example.org" >&2
  exit 1
fi

"$python" -m pelican content --settings publishconf.py --output "$output"
"$python" devtools/deploy/redirects.py "$output"
