# Shortcuts over the plain commands (see README, "Run it locally"):
#   make book   create the environment if needed, then `jupyter-book build . -W` (every chapter executes)
#   make test   build the book, then `pytest` (every tier) and `make colab-check`: what CI runs
#
# Three stamps, each protecting one thing:
#   <venv>/.complete        an environment whose install finished (booktools/env.sh writes it last)
#   _build/.code-key        cached chapter executions made with today's utils/ and requirements (the book's
#                           extension, booktools/book.py, drops the cache when they change)
#   _build/.front-end-key   the site's JavaScript laid out from today's lockfile and book/ (booktools/vendor.sh)
# and one check: the shared environment's editable install of the helpers points at this checkout (`env`).
SHELL := /bin/bash
PYTHON ?= python3.11
# An environment per exact requirements (pyproject.toml's lower bounds are met by these pins), shared by clones
# and CI runs; TORCH_INDEX (see booktools/env.sh) makes another one.
ENV_KEY := $(shell sha256sum requirements.txt | cut -c1-12)$(if $(TORCH_INDEX),-cpu)
VENV ?= $(HOME)/.cache/dl-course/venv-$(ENV_KEY)
BIN := $(VENV)/bin
HERE := $(shell pwd -P)
export PYTHONUNBUFFERED := 1

.PHONY: env browser node book test unit slow lint nbval variants outputs data bench colab-env colab-check \
        new-chapter clean

# requirements.txt installs the helpers editable from the checkout it runs in; another clone, or a CI run in a
# fresh folder, points them at itself first, so it never runs stale helpers.
env:
	@booktools/env.sh "$(VENV)" "$(PYTHON)" requirements.txt
	@if [ "$$(cd / && "$(BIN)/python" -c 'import pathlib, utils; print(pathlib.Path(utils.__file__).resolve().parents[1])' 2>/dev/null)" != "$(HERE)" ]; then \
	  echo "Pointing the environment's course helpers at $(HERE)"; \
	  "$(BIN)/pip" install -q --no-deps --no-build-isolation -e "$(HERE)"; \
	fi

browser:  ## headless Chromium for the browser test (Debian packages; nothing is downloaded by the browser)
	@{ command -v chromium || command -v chromium-browser || command -v google-chrome; } >/dev/null && \
	  command -v chromedriver >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

node:  ## Node.js and npm, which the build uses to install the site's JavaScript (booktools/vendor.sh)
	@command -v node >/dev/null && command -v npm >/dev/null || { \
	  echo "Node.js/npm are missing: installing Debian's nodejs and npm"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm || true; }

book: env node  ## the book in _build/html; the build fails on any failing cell, warning or page loading another host
	time "$(BIN)/jupyter-book" build . -W -n --keep-going

# The three runs of every chapter differ on purpose, so that each CI run is itself a robustness test of the
# stored outputs: the book build uses every core and the machine's own kernels, nbval one thread, the Colab
# check Colab's versions. `make variants` covers 4 threads and other kernels. (nbval on an AVX2 machine's
# kernels took three to six times as long as on one thread on this project's AMD CI machine, 2026-12-07: 706 s
# against 221 s for chapter 7, 643 s against 104 s for chapter 5; they stay in `make variants`.)
# It fails fast: lint and the unit tier come first. The Colab check runs before the build, whose run notes
# say what it found.
NBVAL_VARIANT := COURSE_THREADS=1
test: lint unit browser colab-check book
	$(NBVAL_VARIANT) "$(BIN)/python" -m pytest -v -rs -m "not unit"

unit: env  ## the fast tier: helpers, course facts, committed notebooks (no build, kernel, browser or dataset)
	"$(BIN)/python" -m pytest -m unit -q

slow: env  ## tests that start interpreters, kernels or builds: packaging, entry points, the nbval plugin
	"$(BIN)/python" -m pytest -m slow -q

lint: env
	"$(BIN)/ruff" check .

nbval: env  ## only the stored-output regression checks
	"$(BIN)/python" -m pytest -m nbval

variants: env  ## nbval under 1, 2 and 4 threads, AVX2 and capped kernels; how far each number moved: _build/variants
	"$(BIN)/python" -m booktools.variants

# A compared run, as the book build and pytest make one (utils/seeding.py): no progress bars, stored slider frames.
ONLY ?= [0-9][0-9]_*.ipynb appendix_*.ipynb
outputs: env  ## re-execute every chapter in place (ONLY=NN_name.ipynb for one), solutions stripped: how outputs are made
	compared="$$("$(BIN)/python" -m utils.seeding)" && cd chapters && for nb in $(ONLY); do \
	  echo "executing $$nb"; env $$compared "$(BIN)/jupyter" execute --inplace --timeout=1800 "$$nb" || exit 1; \
	  "$(BIN)/python" -m booktools.solutions "$$nb"; \
	done

data: env  ## download (or take from the mirror) and verify every dataset
	"$(BIN)/python" -m utils.data

bench: env  ## execute every chapter cold, time nbval, measure throughput: benchmarks/report-<cpu|gpu>.md
	"$(BIN)/python" -m booktools.bench

new-chapter: env  ## a new chapter's skeleton and registry entries: make new-chapter NAME=08_convolutions TITLE="..."
	"$(BIN)/python" -m booktools.new_chapter "$(NAME)" --title "$(TITLE)"

# ----------------------------------------------------------------------------- Colab's own stack
# An environment with the versions of Google's published Colab GPU runtime (requirements-colab.txt), in which
# every chapter runs top to bottom as a learner's "Run all" would (booktools/colab_check.py).
# The first Python 3.13 that actually runs (a pyenv shim exists even when 3.13 is not the selected version).
COLAB_PYTHON ?= $(shell for p in python3.13 $$(ls -d $(HOME)/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | sort -rV); do \
  "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { command -v "$$p"; break; }; done)
COLAB_KEY := $(shell cat requirements-colab.txt | sha256sum | cut -c1-12)$(if $(TORCH_INDEX),-cpu)
COLAB_VENV ?= $(HOME)/.cache/dl-course/colab-$(COLAB_KEY)

colab-env:
	@[ -n "$(COLAB_PYTHON)" ] || { echo "Colab runs Python 3.13, which is not installed: 'pyenv install 3.13' (or set COLAB_PYTHON)"; exit 1; }
	@booktools/env.sh "$(COLAB_VENV)" "$(COLAB_PYTHON)" requirements-colab.txt

colab-check: env colab-env  ## every chapter in Colab's stack: no failing cell, no stray stderr, outputs within tolerance
	"$(BIN)/python" -m booktools.colab_check --python "$(COLAB_VENV)/bin/python" \
	  --deviations _build/variants/colab-stack.jsonl

clean:
	rm -rf _build
