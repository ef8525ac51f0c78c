#!/usr/bin/env bash
# Regenerate sql/schema.sql (tables) and check sql/views.sql from the Alembic migrations.
# Usage: scripts/dump_schema.sh [admin postgres URL]   (default: local server, trust auth)
set -euo pipefail
cd "$(dirname "$0")/.."
admin=${1:-postgresql://postgres@127.0.0.1:5432/postgres}
db=news_schema_dump_$$
psql "$admin" -qc "CREATE DATABASE $db"
trap 'psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
url=${admin%/*}/$db
DATABASE_URL=${url/postgresql:/postgresql+psycopg:} .venv/bin/python -m pipeline migrate >/dev/null
{
  echo "-- Postgres DDL of the application tables, generated from the Alembic migrations"
  echo "-- by scripts/dump_schema.sh; a test checks it still matches. Views: sql/views.sql."
  pg_dump "$url" --schema-only --no-owner --no-privileges --no-comments \
    -T alembic_version -T events_per_day -T events_by_district -T feed_health -T alert_queue -T incidents_by_district_day -T district_control \
    | grep -v -E '^(SET |SELECT pg_catalog|--|\\restrict|\\unrestrict)' | cat -s
} > sql/schema.sql
echo "wrote sql/schema.sql"
