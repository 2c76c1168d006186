#!/usr/bin/env bash
# Builds the dashboard for the production topology and publishes it to a
# Google Cloud Storage bucket behind the CDN at app.<domain>.
#
#   deploy/publish-spa.sh gs://BUCKET https://api.example.com
#
# Hashed assets (assets/*) are immutable for a year; index.html and the other
# top-level files are revalidated on every load (no-cache), so a deploy is
# live at once. The bucket must serve index.html for unknown paths (the
# SPA's client-side routes): `gcloud storage buckets update gs://BUCKET
# --web-main-page-suffix=index.html --web-error-page=index.html`, or the
# equivalent URL-map rule on the load balancer.
#
# With STORAGE_URL=gs://DOCS the browser uploads knowledge documents straight
# to Cloud Storage: the CDN's Content-Security-Policy needs
# `connect-src 'self' https://api.<domain> https://storage.googleapis.com`,
# and the documents bucket a CORS rule letting the app origin PUT with the
# signed headers:
#   [{"origin": ["https://app.<domain>"], "method": ["PUT"],
#     "responseHeader": ["Content-Type", "x-goog-content-length-range"], "maxAgeSeconds": 3600}]
#   gcloud storage buckets update gs://DOCS --cors-file=cors.json
set -euo pipefail
bucket=${1:?usage: publish-spa.sh gs://BUCKET https://api.example.com}
api=${2:?usage: publish-spa.sh gs://BUCKET https://api.example.com}
cd "$(dirname "$0")/.."

(cd web && npm ci --no-audit --no-fund && VITE_API_URL="$api" npx vite build --outDir ../build/spa-prod --emptyOutDir)

gcloud storage rsync --recursive --delete-unmatched-destination-objects \
    --cache-control="public, max-age=31536000, immutable" \
    build/spa-prod/assets "$bucket/assets"
for f in build/spa-prod/*; do
    [ -f "$f" ] || continue
    gcloud storage cp --cache-control="no-cache" "$f" "$bucket/$(basename "$f")"
done
echo "published build/spa-prod to $bucket (API at $api)"
