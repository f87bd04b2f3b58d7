# Sourced by scripts/test.sh: system packages and a throwaway PostgreSQL for the tests.

ensure_system_packages() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "installing ${missing[*]}"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "note: ${missing[*]} not installed; tests that need them will be skipped with a reason"
    fi
  fi
}

# Starts a PostgreSQL server of its own on 127.0.0.1 (port STUDIO_TEST_PG_PORT, default 54329)
# with its data in a temporary folder, and sets STUDIO_TEST_POSTGRES_URL.
start_test_postgres() {
  STUDIO_TEST_POSTGRES_URL=${STUDIO_TEST_POSTGRES_URL:-}
  [ -n "$STUDIO_TEST_POSTGRES_URL" ] && return 0
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ]; then
    echo "note: no PostgreSQL server found; PostgreSQL tests will be skipped"
    return 0
  fi
  local port=${STUDIO_TEST_PG_PORT:-54329}
  local data
  data=$(mktemp -d /tmp/studio-pg.XXXXXX)
  local run_as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$data"
    run_as=(runuser -u postgres --)
  fi
  "${run_as[@]}" "$bin/initdb" -D "$data" -U studio --auth=trust -E UTF8 >/dev/null
  "${run_as[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off" start >/dev/null
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U studio studio_test
  STUDIO_TEST_POSTGRES_URL="postgresql+psycopg://studio@127.0.0.1:$port/studio_test"
  STUDIO_TEST_PG_STOP=("${run_as[@]}" "$bin/pg_ctl" -D "$data" -m fast stop)
  STUDIO_TEST_PG_DATA=$data
  echo "PostgreSQL test server on 127.0.0.1:$port"
}

stop_test_postgres() {
  if [ -n "${STUDIO_TEST_PG_DATA:-}" ]; then
    "${STUDIO_TEST_PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$STUDIO_TEST_PG_DATA"
  fi
}
