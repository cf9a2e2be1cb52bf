# BETCORE live-feed widget. `make help` lists the targets.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: help run test lint format audit setup messages bench clean system-deps lock vendor

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# Both installs come from hashed locks of the whole tree (`make lock` writes them): the
# runtime alone for `make run`, runtime plus test and lint tools for `make test`.
$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed: $(VENV)/.runtime requirements-test.txt
	$(PY) -m pip install --quiet --require-hashes -r requirements-test.txt
	touch $@

# Benchmark-only packages (picows for bench/fanout.py's picows relay) over the test tools: the
# benchmarks use psutil and websockets from there. `make test` never installs these.
$(VENV)/.bench: $(VENV)/.installed requirements-bench.txt
	$(PY) -m pip install --quiet --require-hashes -r requirements-bench.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.runtime ## Create the virtual environment and install the app (no test tools)

run: $(VENV)/.runtime ## Run the app on the embedded default (sandbox feed, SQLite, one process)
	DEBUG=$${DEBUG:-1} $(PY) manage.py serve --port $(PORT)

# The three browser engines, each package known by a file it installs; DejaVu is Firefox's default
# sans-serif (the widest font, for the narrow-phone layout tests); Firefox decodes H.264 with libavcodec.
system-deps: ## Debian's chromium, firefox-esr and WebKitGTK with Xvfb (browser tests) and nginx (deploy test): installed when missing (as root), else one line says how
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing="$$missing nginx"; \
	  for need in firefox-esr:/usr/bin/firefox-esr webkit2gtk-driver:/usr/bin/WebKitWebDriver \
	      'libwebkit2gtk-4.1-0:/usr/lib/*/webkit2gtk-4.1/MiniBrowser' xvfb:/usr/bin/Xvfb xauth:/usr/bin/xauth \
	      fonts-dejavu-core:/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf 'libavcodec59:/usr/lib/*/libavcodec.so.59'; do \
	    ls $${need#*:} >/dev/null 2>&1 || missing="$$missing $${need%%:*}"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "installing Debian packages the tests need:$$missing"; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	    else \
	      echo "make test needs Debian packages:$$missing; run  sudo apt-get install$$missing" >&2; \
	      exit 1; \
	    fi; \
	  fi

bench: $(VENV)/.bench node_modules/.installed ## Install what the benchmarks need (picows, Node ws); then e.g. .venv/bin/python bench/fanout.py

# The suite waits on real servers, browsers and feeds more than it computes: three workers
# on two cores, one test file per worker (module fixtures start their servers once).
TEST_WORKERS ?= 3
test: lint node_modules/.installed system-deps ## Run the whole test suite (lint and type checks included)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(VENV)/.installed ## Lint, check formatting and types (mypy; --strict on betcore/ and sandbox/)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict betcore sandbox

format: $(VENV)/.installed ## Fix lint and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

audit: $(VENV)/.installed ## Audit pinned dependencies for known vulnerabilities (fails on any)
	$(PY) scripts/audit_dependencies.py requirements.txt

lock: $(VENV)/.installed ## Re-lock requirements*.in into hashed requirements*.txt (needs the package index)
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links -o requirements.txt requirements.in
	$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links -o requirements-test.txt requirements-test.in
	$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links -o requirements-bench.txt requirements-bench.in

# The widget's HLS player for engines without native HLS: hls.js's published light build, at the
# version package.json pins, with its licence. The source-map comment goes (the map is not vendored).
HLS_DIR := static/vendor/hls.js
vendor: node_modules/.installed ## Refresh vendored browser code (hls.js light build) from node_modules
	mkdir -p $(HLS_DIR)
	sed '/^\/\/# sourceMappingURL=/d' node_modules/hls.js/dist/hls.light.min.js > $(HLS_DIR)/hls.light.min.js
	cp node_modules/hls.js/LICENSE $(HLS_DIR)/LICENSE
	node -p 'require("hls.js/package.json").version' > $(HLS_DIR)/VERSION

messages: $(VENV)/.installed ## Re-extract and compile translations (needs GNU gettext)
	$(PY) manage.py makemessages --no-location --no-wrap --ignore=.venv --ignore=node_modules \
	  -l ru -l es -l pt -l tr -l uk -l kk -l uz -l az -l ka -l hy -l ar -l fa -l hi
	$(PY) manage.py compilemessages --ignore=.venv

clean: ## Remove the virtual environment and local state
	rm -rf $(VENV) node_modules var db.sqlite3 staticfiles test-artifacts
