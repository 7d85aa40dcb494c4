# Two commands do everything: `make run` (demo on the embedded default) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOG := $(VENV)/install.log
PIP := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: run test lint bench clean

# The first screen of a fresh clone is the stylist: pip and setuptools talk to the log, which is shown only when
# the install fails.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@echo "installing torch 2.13.0 and the pinned packages into $(VENV), a few minutes the first time (log: $(LOG))"
	@# The local CPU build of torch, exactly; an unpinned torch pulls a multi-GB CUDA build.
	@{ $(PIP) install --upgrade pip && $(PIP) install torch==2.13.0 && $(PIP) install -e '.[dev]'; } >$(LOG) 2>&1 \
		|| { tail -n 40 $(LOG); echo "install failed: the whole log is $(LOG)"; exit 1; }
	@touch $(STAMP)

run: $(STAMP)
	@HF_HUB_OFFLINE=1 $(BIN)/stylist serve

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo

bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.tag_throughput

clean:
	rm -rf $(VENV)
