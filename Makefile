# Shortcuts over the plain commands (see README, "Run it locally"):
#   make book   create the environment if needed, then `jupyter-book build .` strictly (every chapter executes)
#   make test   build the book, then `pytest` (every tier) and `make colab-check`: what CI runs
SHELL := /bin/bash
PYTHON ?= python3.11
# The environment is keyed by the exact requirements (pyproject.toml's lower bounds are met by these pins), so
# it can be reused safely between clones and CI runs.
ENV_KEY := $(shell sha256sum requirements.txt | cut -c1-12)
VENV ?= $(HOME)/.cache/dl-course/venv-$(ENV_KEY)
BIN := $(VENV)/bin
HERE := $(shell pwd -P)
export PYTHONUNBUFFERED := 1

.PHONY: env browser vendor book test unit lint nbval variants outputs data bench colab-env colab-check clean code-key

# The venv is shared by clones (keyed by the requirements), and requirements.txt installs the helpers from
# the checkout in editable mode. So every target first points that editable install at *this* checkout:
# another clone, or a CI run in a fresh folder, never runs stale helpers.
env:
	@if [ ! -f "$(VENV)/.complete" ]; then \
	  set -e; echo "Creating the environment in $(VENV) (a few minutes the first time)"; \
	  $(PYTHON) -m venv "$(VENV)"; \
	  "$(BIN)/pip" install -q --upgrade pip; \
	  "$(BIN)/pip" install -q -r requirements.txt; \
	  touch "$(VENV)/.complete"; \
	fi
	@if [ "$$(cd / && "$(BIN)/python" -c 'import pathlib, utils; print(pathlib.Path(utils.__file__).resolve().parents[1])' 2>/dev/null)" != "$(HERE)" ]; then \
	  echo "Pointing the environment's course helpers at $(HERE)"; \
	  "$(BIN)/pip" install -q --no-deps --no-build-isolation -e "$(HERE)"; \
	fi

browser:  ## headless Chromium for the browser test (Debian packages; nothing is downloaded by the browser)
	@{ command -v chromium || command -v chromium-browser || command -v google-chrome; } >/dev/null && \
	  command -v chromedriver >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

# What the chapters import: when it changes, every chapter must run again.
CODE_KEY := $(shell find utils -name '*.py' | sort | xargs cat requirements.txt | sha256sum | cut -c1-16)
# What the site's JavaScript comes from: when it changes, every page is written again (the script tags carry
# the files' checksums), but no chapter executes again.
VENDOR_KEY := $(shell cat package.json package-lock.json .npmrc book/* booktools/vendor.sh | sha256sum | cut -c1-16)

vendor:  ## MathJax, require.js, the Jupyter widget manager (npm, package-lock.json) and book/ -> _build/site-static
	@command -v node >/dev/null && command -v npm >/dev/null || { \
	  echo "Node.js/npm are missing: installing Debian's nodejs and npm"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm || true; }
	@booktools/vendor.sh

book: env vendor
	@mkdir -p _build
	@if [ "$$(cat _build/.code-key 2>/dev/null)" != "$(CODE_KEY)" ]; then \
	  echo "utils/ or requirements changed: every chapter will execute again"; \
	  rm -rf _build/.jupyter_cache _build/jupyter_execute _build/.doctrees _build/html; \
	fi
	@if [ "$$(cat _build/.vendor-key 2>/dev/null)" != "$(VENDOR_KEY)" ]; then \
	  echo "the site's front-end files changed: every page is written again (nothing executes again)"; \
	  rm -rf _build/html; \
	fi
	rm -rf _build/html/reports
	time "$(BIN)/jupyter-book" build . -W -n --keep-going
	@if grep -rlE '<(script|link|img|iframe|source|embed)\b[^>]*\b(src|href)="(https?:)?//' _build/html --include='*.html'; then \
	  echo "ERROR: the pages above load files from another host (see _config.yml, sphinx.config)" >&2; exit 1; fi
	@echo "$(CODE_KEY)" > _build/.code-key
	@echo "$(VENDOR_KEY)" > _build/.vendor-key

code-key:  ## print the stamp that decides whether the book's cached execution is still valid
	@echo "$(CODE_KEY)"

# The three runs of every chapter differ on purpose, so that each CI run is itself a robustness test of the
# stored outputs: the book build uses every core and the machine's own kernels, nbval an AVX2 machine's
# kernels (other kernels than the build's on an AVX-512 CPU), the Colab check Colab's versions.
NBVAL_VARIANT := ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=AVX2 ONEDNN_MAX_CPU_ISA=AVX2
test: browser book colab-env
	$(NBVAL_VARIANT) "$(BIN)/python" -m pytest -v -rs
	$(MAKE) colab-check

unit: env  ## the fast tier: helpers, course facts, committed notebooks, lint (no build, browser or dataset)
	"$(BIN)/python" -m pytest -m unit -q

lint: env
	"$(BIN)/ruff" check .

nbval: env  ## only the stored-output regression checks
	"$(BIN)/python" -m pytest -m nbval

variants: env  ## nbval under 1, 2 and 4 threads, AVX2 and capped kernels; how far each number moved: _build/variants
	"$(BIN)/python" -m booktools.variants

# A compared run, as the book build and pytest make one (utils/seeding.py): no progress bars, stored slider frames.
outputs: env  ## re-execute every chapter in place: the one way committed outputs are produced
	compared="$$("$(BIN)/python" -m utils.seeding)" && cd chapters && for nb in [0-9][0-9]_*.ipynb; do \
	  echo "executing $$nb"; env $$compared "$(BIN)/jupyter" execute --inplace --timeout=900 "$$nb" || exit 1; \
	done

data: env  ## download (or take from the mirror) and verify every dataset
	"$(BIN)/python" -m utils.data

bench: env  ## execute every chapter cold, time nbval, measure throughput: benchmarks/report-<cpu|gpu>.md
	"$(BIN)/python" -m booktools.bench

# ----------------------------------------------------------------------------- Colab's own stack
# An environment with the versions of Google's published Colab GPU runtime (requirements-colab.txt), in which
# every chapter runs top to bottom as a learner's "Run all" would (booktools/colab_check.py).
# The first Python 3.13 that actually runs (a pyenv shim exists even when 3.13 is not the selected version).
COLAB_PYTHON ?= $(shell for p in python3.13 $$(ls -d $(HOME)/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | sort -rV); do \
  "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { command -v "$$p"; break; }; done)
COLAB_KEY := $(shell cat requirements-colab.txt | sha256sum | cut -c1-12)
COLAB_VENV ?= $(HOME)/.cache/dl-course/colab-$(COLAB_KEY)

colab-env:
	@if [ ! -f "$(COLAB_VENV)/.complete" ]; then \
	  set -e; \
	  if [ -z "$(COLAB_PYTHON)" ]; then echo "Colab runs Python 3.13, which is not installed: 'pyenv install 3.13' (or set COLAB_PYTHON)"; exit 1; fi; \
	  echo "Creating Colab's environment in $(COLAB_VENV) with $(COLAB_PYTHON) (several minutes the first time)"; \
	  "$(COLAB_PYTHON)" -m venv "$(COLAB_VENV)"; \
	  "$(COLAB_VENV)/bin/pip" install -q -r requirements-colab.txt; \
	  touch "$(COLAB_VENV)/.complete"; \
	fi

colab-check: env colab-env  ## every chapter in Colab's stack: no failing cell, no stray stderr, outputs within tolerance
	"$(BIN)/python" -m booktools.colab_check --python "$(COLAB_VENV)/bin/python" \
	  --deviations _build/variants/colab-stack.jsonl

clean:
	rm -rf _build
