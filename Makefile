# Two commands on a fresh machine (only Python 3.11 + pip): `make demo` and `make test`.
# Each bootstraps .venv from pyproject.toml on first use (torch==2.13.0 CPU is taken from the local wheel cache).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: venv browser test test-slow test-all demo bench bench-sbibm bench-sbibm-quick docs clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

## headless Chromium renders the HTML report in the tests; best effort (Debian package, needs root), else skipped
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get install -y -q chromium >/dev/null 2>&1 && echo "installed chromium for the report test"; } \
		|| echo "chromium not available: the headless-browser report test will be skipped"

## the default suite: everything needed to trust a release, < 15 min on 2 cores
test: $(STAMP) browser
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

## the long tests (real pyhf fits on the ATLAS workspace, full benchmarks in miniature, ...)
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m "slow" $(PYTEST_ARGS)

test-all: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## the default adaptive scan of the mass-plane toy: writes demo/scan.h5 and demo/contour.png
demo: $(STAMP)
	$(BIN)/active-science demo --out demo --force

## every benchmark in --quick mode (JSON in bench/)
bench: $(STAMP)
	@mkdir -p bench
	$(BIN)/python -m benchmarks.contour --quick --out bench/contour.json
	$(BIN)/python -m benchmarks.ratio --quick --out bench/ratio.json
	$(BIN)/python -m benchmarks.atlas_erjr --quick --out bench/atlas.json
	$(BIN)/python -m benchmarks.design --quick --out bench/design.json
	$(BIN)/python -m benchmarks.faults --quick --out bench/faults.json

## sbibm side by side with sbi 0.27 (two_moons, gaussian_linear) in a benchmark-only venv: the product never depends
## on sbi. sbibm is installed without its dependency pins (it asks for old sbi/torch); its reference posteriors ship in
## the wheel and load offline. SBIBM_ARGS=--quick for the short run.
SBIBM_VENV  := .venv-sbibm
SBIBM_STAMP := $(SBIBM_VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SBIBM_ARGS  ?=
SBIBM_OUT   ?= benchmarks/results/sbibm.json

$(SBIBM_STAMP): pyproject.toml
	@test -x $(SBIBM_VENV)/bin/python || $(PYTHON) -m venv $(SBIBM_VENV)
	$(SBIBM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SBIBM_VENV)/bin/python -m pip install --quiet -e ".[test]" "sbi==0.27.0" pyro-ppl pandas scikit-learn future autograd
	$(SBIBM_VENV)/bin/python -m pip install --quiet --no-deps sbibm
	@rm -f $(SBIBM_VENV)/.installed-* && touch $(SBIBM_STAMP)

bench-sbibm: $(SBIBM_STAMP)
	nice -n 10 $(SBIBM_VENV)/bin/python -m benchmarks.sbibm $(SBIBM_ARGS) --out $(SBIBM_OUT)

bench-sbibm-quick: $(SBIBM_STAMP)
	nice -n 10 $(SBIBM_VENV)/bin/python -m benchmarks.sbibm --quick --out benchmarks/results/sbibm_quick.json

## docs/api.md from the public entry points' docstrings (a test checks it is up to date)
docs: $(STAMP)
	$(BIN)/python -m active_science.apidoc

clean:
	rm -rf $(VENV) $(SBIBM_VENV) demo bench .pytest_cache
