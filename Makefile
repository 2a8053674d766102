# chengguan — build and test entry points.
#   make demo    build, load demo data into ./data/chengguan.db, serve it
#   make test    all Go tests (PostgreSQL/browser tests need the env below)
#   make check   go vet + staticcheck
#
# Read by the Go tests from the environment (make passes it through as is;
# `make test VAR=value` works too):
#   CHENGGUAN_TEST_POSTGRES          postgres:// URL; PostgreSQL tests skip without it
#   CHENGGUAN_TEST_REQUIRE_POSTGRES  1 = fail instead of skipping without PostgreSQL
#   CHENGGUAN_TEST_REQUIRE_BROWSER   1 = fail instead of skipping without Chromium
#   CHENGGUAN_CHROMIUM               path of the Chromium binary for browser tests

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

# staticcheck 2026.2.2 (module version v0.8.2): built for Go 1.26.
STATICCHECK_VERSION := v0.8.2
STATICCHECK ?= go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

GO_LDFLAGS := -X chengguan/internal/buildinfo.Version=$(VERSION)
VENDOR     := internal/web/static/vendor
ASSETS     := $(VENDOR)/htmx.min.js $(VENDOR)/leaflet.js $(VENDOR)/leaflet.css
NPM_STAMP  := node_modules/.package-lock.json

.PHONY: all assets build demo test check clean
all: build

# npm ci only when node_modules is missing or the lock file is newer.
$(NPM_STAMP): package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

$(VENDOR)/htmx.min.js: $(NPM_STAMP)
	@mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $@

$(VENDOR)/leaflet.js: $(NPM_STAMP)
	@mkdir -p $(VENDOR)
	cp node_modules/leaflet/dist/leaflet.js $@

$(VENDOR)/leaflet.css: $(NPM_STAMP)
	@mkdir -p $(VENDOR)
	cp node_modules/leaflet/dist/leaflet.css $@

assets: $(ASSETS)

build: assets
	CGO_ENABLED=0 go build -ldflags "$(GO_LDFLAGS)" -o bin/chengguan ./cmd/chengguan

demo: build
	@mkdir -p data
	bin/chengguan demo
	exec bin/chengguan serve

test: assets
	go test -count=1 -timeout 30m ./...

check: assets
	go vet ./...
	$(STATICCHECK) ./...

# Leaves ./data (the demo database) alone.
clean:
	rm -rf bin node_modules
	find $(VENDOR) -type f ! -name README.md -delete
