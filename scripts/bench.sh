#!/usr/bin/env bash
# bench.sh runs the load tests briefly against a real server on PostgreSQL +
# Redis: it creates a database of its own, starts `recomengine serve` on a free port,
# runs `recomengine loadtest events` (single events, then batches of 100) and
# `recomengine loadtest recs`, stops the server, drops the database and deletes its
# Redis keys. First `recomengine loadtest floor` shows what the same client and an empty
# handler cost at the single-event rate: the floor under the figures that follow.
#
#   scripts/bench.sh            # BENCH_DURATION=5s BENCH_RATE=10000 BENCH_BATCH_RATE=500 BENCH_RECS_RATE=5000
#
# The default rates are the targets of issues #4 and #5: 10,000 single events/s, 50,000
# events/s in batches of 100, 5,000 recommendations/s.
#
# PostgreSQL and Redis are those of RECOM_TEST_POSTGRES_URL / RECOM_TEST_REDIS_URL, by
# default the local ones CI uses.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pg="${RECOM_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
redis="${RECOM_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
duration="${BENCH_DURATION:-5s}"
rate="${BENCH_RATE:-10000}"
batch_rate="${BENCH_BATCH_RATE:-500}"
recs_rate="${BENCH_RECS_RATE:-5000}"
db="recombench_$$"
port="${BENCH_PORT:-18090}"

go build -o bin/recomengine ./cmd/recomengine
# The figures depend on these as much as on the code (internal/postgres/README.md).
echo "== PostgreSQL: $(psql "$pg" -Atc "SELECT string_agg(name || ' ' || current_setting(name), ', ' ORDER BY name)
	FROM pg_settings WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'wal_compression', 'synchronous_commit')")"
psql "$pg" -qc "CREATE DATABASE $db"
server=""
cleanup() {
	[[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
	psql "$pg" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
	# The run's Redis keys (recent events live 30 days) would slow every later SCAN.
	if command -v redis-cli >/dev/null; then
		redis-cli -u "$redis" --scan --pattern "bench:$$:*" | xargs -r -d '\n' -n 1000 redis-cli -u "$redis" unlink >/dev/null || true
	fi
}
trap cleanup EXIT

RECOM_DATABASE_URL="${pg/\/test\?/\/$db?}" RECOM_REDIS_URL="$redis" RECOM_REDIS_PREFIX="bench:$$:" \
	RECOM_JWT_SECRET="bench-jwt-secret-$(date +%s)-0123456789abcdef" RECOM_KEY_PEPPER="bench-pepper-$(date +%s)-0123456789abcdef" \
	RECOM_ADDR="127.0.0.1:$port" RECOM_LOG_LEVEL=warn RECOM_BCRYPT_COST=10 RECOM_SUPER_ADMIN_EMAILS=bench@loadtest.example \
	./bin/recomengine serve >/dev/null &
server=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done

echo "== floor: an empty handler, $rate requests/s for $duration"
./bin/recomengine loadtest floor -rate "$rate" -duration "$duration" -connections 512 ||
	echo "== the floor run failed: the figures below have no baseline"
echo "== single events, $rate/s for $duration"
./bin/recomengine loadtest events -url "http://127.0.0.1:$port" -rate "$rate" -duration "$duration" -batch 1 -connections 512 -email bench@loadtest.example
echo "== batches of 100, $batch_rate/s ($((batch_rate * 100)) events/s) for $duration"
./bin/recomengine loadtest events -url "http://127.0.0.1:$port" -rate "$batch_rate" -duration "$duration" -batch 100 -connections 256 -email bench@loadtest.example
echo "== recommendations, $recs_rate/s for $duration"
./bin/recomengine loadtest recs -url "http://127.0.0.1:$port" -rate "$recs_rate" -duration "$duration" -connections 256 -email bench@loadtest.example
