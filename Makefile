# Set-up and the two Quick start jobs.  `make demo` and `make test` each set up
# .venv first (Python from .python-version via pyenv, or python3.12).
PY ?= $(shell command -v python3.12 || echo python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint clean

$(BIN)/cosim: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,dev]"
	@# a .venv made before the distribution was renamed (cosim -> cosim-coproduction) still lists the old one
	@if $(BIN)/pip show cosim >/dev/null 2>&1; then \
		$(BIN)/pip uninstall --quiet -y cosim && $(BIN)/pip install --quiet --no-deps -e .; fi
	@# compile the model's Numba kernels once (cached on disk), so the first run does not wait for the compiler
	$(BIN)/python -m cosim.model.kernels
	@touch $@

setup: $(BIN)/cosim

# The main job: compare the baseline with the main policies (report under results/).
demo: setup
	$(BIN)/cosim compare scenarios/baseline.toml scenarios/free_wifi_even.toml \
		scenarios/free_wifi_equity.toml scenarios/open_data.toml scenarios/literacy_training.toml \
		scenarios/talent_incentives.toml scenarios/security_breach.toml scenarios/idp_bundle.toml \
		--replications 30 --out results/compare-default

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check cosim tests experiments benchmarks
	$(BIN)/ruff format --check cosim tests

clean:
	rm -rf $(VENV) .pytest_cache
