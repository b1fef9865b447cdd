# Two commands for a newcomer: `make run` (set up, migrate, seed, start web + bot) and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
export FLASK_APP := wsgi

.PHONY: setup fonts chromium miniprogram-deps bench-tools run test test-sqlite test-postgres lint format

# Certificates embed Debian's DejaVu Sans and Droid Sans Fallback (Chinese) fonts.
FONTS := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf
FONT_PACKAGES := fonts-dejavu-core fonts-droid-fallback

$(VENV)/.installed: requirements.txt
	@command -v python3.11 >/dev/null && python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

setup: $(VENV)/.installed fonts chromium miniprogram-deps

# The mini-program's jest tests (tests/miniprogram runs them in test-sqlite): npm ci from the committed
# lock file, only when node_modules is missing or older than the lock. Without npm they are skipped.
MP := miniprogram
miniprogram-deps:
	@if command -v npm >/dev/null; then \
	  if [ ! -d $(MP)/node_modules ] || [ $(MP)/package-lock.json -nt $(MP)/node_modules ]; then \
	    echo "==> npm ci（小程序的单元测试和契约测试用 jest、miniprogram-simulate）"; \
	    (cd $(MP) && npm ci --no-audit --no-fund) && touch $(MP)/node_modules; \
	  fi; \
	else echo "未安装 npm：小程序测试将跳过（安装 node 20 和 npm 后即可运行）"; fi

fonts:
	@for f in $(FONTS); do [ -f $$f ] || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "==> 安装 Debian 字体包 $(FONT_PACKAGES)（apt-get）：志愿服务证明 PDF 要嵌入"; \
	    echo "    DejaVu Sans（英文字母和数字）与 Droid Sans Fallback（中文），本机缺少这两种字体"; \
	    apt-get install -y -q $(FONT_PACKAGES) >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null && apt-get install -y -q $(FONT_PACKAGES) >/dev/null; } || \
	    { echo "字体安装失败，请手动安装：apt-get install $(FONT_PACKAGES)"; exit 1; }; \
	    echo "==> 字体已安装"; \
	  else echo "请安装字体包 $(FONT_PACKAGES)（志愿服务证明 PDF 需要 DejaVu Sans 和 Droid Sans Fallback 字体）"; exit 1; fi; \
	fi

# The console's browser tests drive Debian's chromium through Playwright (no Playwright browser download);
# its pages are Chinese, so the fonts above are needed too.
CHROMIUM := /usr/bin/chromium

# $(call apt_install,PACKAGE,WHAT IT IS FOR,WITHOUT ROOT): Debian's package, as root; otherwise the third
# argument runs (a note, or `exit 1` when nothing can go on without it).
define apt_install
if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
  echo "==> 安装 Debian 的 $(1)（apt-get）：$(2)"; \
  apt-get install -y -q $(1) >/dev/null 2>&1 || \
  { apt-get update -q >/dev/null && apt-get install -y -q $(1) >/dev/null; } || \
  { echo "$(1) 安装失败，请手动安装：apt-get install $(1)"; exit 1; }; \
  echo "==> $(1) 已安装"; \
else $(3); fi
endef

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  $(call apt_install,chromium,工作台的浏览器测试用它（无头模式）,echo "未安装 chromium：工作台的浏览器测试将跳过（apt-get install chromium 后即可运行）"); \
	fi

# The HTTP benchmarks (bench/read_path.py, bench/signup_throughput.py) load the server with Debian's wrk.
bench-tools: setup
	@if ! command -v wrk >/dev/null; then \
	  $(call apt_install,wrk,HTTP 压测脚本用它,echo "请安装 wrk（apt-get install wrk）：HTTP 压测脚本需要它"; exit 1); \
	fi

# Embedded default: SQLite in instance/, no Redis, sandbox WeChat, demo data; web and bot together.
run: setup
	$(VENV)/bin/flask db upgrade
	$(VENV)/bin/flask seed-demo
	@$(PY) -m bots & bot=$$!; \
	trap 'kill $$bot 2>/dev/null; wait $$bot 2>/dev/null' EXIT INT TERM; \
	echo ""; echo "==> 服务已启动: http://127.0.0.1:$(PORT)/  (API: http://127.0.0.1:$(PORT)/api/v1/, 工作台: http://127.0.0.1:$(PORT)/console/, 按 Ctrl+C 停止)"; echo ""; \
	$(VENV)/bin/gunicorn --workers 1 --threads 8 --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

# The whole suite, on SQLite and again on PostgreSQL with Redis. The mini-program's tests start a backend
# of their own (SQLite file, sandbox WeChat), so they run once, in test-sqlite.
test: setup test-sqlite test-postgres

test-sqlite: setup
	@echo "==> tests on SQLite (no Redis)"
	# The API fuzz gets its full budget on PostgreSQL, the production database; here a light pass.
	FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-3} $(PY) -m pytest

test-postgres: setup
	@echo "==> tests on PostgreSQL + Redis"
	TEST_DATABASE_URL=$(PG_TEST_URL) TEST_REDIS_URL=$(REDIS_TEST_URL) $(PY) -m pytest --ignore=tests/miniprogram

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
