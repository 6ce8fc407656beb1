#!/usr/bin/env bash
# Points the sources at the local copies in ../shared/data (for machines without internet):
# builds a file:// mirror of the weekly posts in .data/sources/stopkoronavirus/ (the list
# pages of test/fixtures, which follow the site's structure, and the saved posts as
# <slug>.html) and writes the three SOURCE_* variables into .env. Nothing is copied into the
# repository: .data/ and .env are ignored by git.
#   infra/local-sources.sh [path/to/shared/data]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=$(cd "${1:-$root/../shared/data}" && pwd)
mirror="$root/.data/sources/stopkoronavirus"
mkdir -p "$mirror"
cp "$root"/test/fixtures/stopcoronavirus/list-page-*.html "$mirror/"
for post in "$data"/ru_obyasnyaem_rf/raw_html/commit-*.html; do
  slug=$(basename "$post" .html); slug=${slug#commit-*_}
  ln -sf "$post" "$mirror/$slug.html"
done

set_var() {
  touch "$root/.env"
  grep -v "^$1=" "$root/.env" > "$root/.env.tmp" || true
  echo "$1=$2" >> "$root/.env.tmp"
  mv "$root/.env.tmp" "$root/.env"
}
set_var SOURCE_ECDC_URL "file://$data/ecdc/derived/ecdc_COVID-19-geographic-disbtribution-worldwide-2020-12-14_RECONSTRUCTED.csv"
set_var SOURCE_WHO_URL "file://$data/who/WHO-COVID-19-global-data_DAILY_to-2023-06-07.csv"
set_var SOURCE_STOPCORONAVIRUS_URL "file://$mirror/"
echo "local-sources: .env now points ECDC, WHO and the weekly posts at $data"
