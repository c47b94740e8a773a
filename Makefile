# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install services bench eval clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,kafka,broker]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/flashpoint demo

# Debian's Prometheus, promtool, Alertmanager and amtool: the tests start them as
# plain processes on 127.0.0.1 (installing them starts no daemon in a container);
# docker-compose only validates deploy/docker-compose.yml (`config -q`); chromium and
# its driver run the wall's browser test (CJK fonts, so screenshots show Chinese).
DEBIAN_PACKAGES := prometheus prometheus-alertmanager docker-compose chromium chromium-driver fonts-noto-cjk
services:
	@missing=""; for b in prometheus promtool prometheus-alertmanager amtool docker-compose chromium chromedriver; do \
	  command -v $$b >/dev/null || missing="$$missing $$b"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for:$$missing"; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q $(DEBIAN_PACKAGES); \
	fi

test: $(STAMP) services
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/flashpoint bench --json out/bench.json
	$(BIN)/flashpoint bench --no-lang --json out/bench-nolang.json

eval: $(STAMP)
	mkdir -p out
	for f in crisislext6 crisislext26 arabic7 humaid19; do \
	  $(BIN)/flashpoint eval ../shared/data/$$f.jsonl.gz --json out/$$f.json --plot out/$$f.png || exit 1; done

clean:
	rm -rf $(VENV) out build *.egg-info
