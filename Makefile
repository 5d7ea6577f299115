# Two commands do everything on a fresh machine (see README):
#   make book   create the environment if needed, then build the book strictly (executing every chapter)
#   make test   build the book, then run every test (utils units, nbval of each chapter, built-site checks)
SHELL := /bin/bash
PYTHON ?= python3.11
# The environment is keyed by the exact requirements, so it can be reused safely between clones and CI runs.
ENV_KEY := $(shell cat requirements.txt pyproject.toml | sha256sum | cut -c1-12)
VENV ?= $(HOME)/.cache/dl-course/venv-$(ENV_KEY)
BIN := $(VENV)/bin
# Chapters import the course helpers from this checkout, whichever clone it is.
export PYTHONPATH := $(CURDIR)
export PYTHONUNBUFFERED := 1

.PHONY: env browser book test unit nbval outputs data bench clean code-key

env:
	@if [ ! -f "$(VENV)/.complete" ]; then \
	  set -e; echo "Creating the environment in $(VENV) (a few minutes the first time)"; \
	  $(PYTHON) -m venv "$(VENV)"; \
	  "$(BIN)/pip" install -q --upgrade pip; \
	  "$(BIN)/pip" install -q -r requirements.txt; \
	  touch "$(VENV)/.complete"; \
	fi

browser:  ## headless Chromium for the browser test (Debian packages; nothing is downloaded by the browser)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

# What the chapters import: when it changes, every chapter must run again.
CODE_KEY := $(shell cat utils/*.py requirements.txt | sha256sum | cut -c1-16)

book: env
	@mkdir -p _build
	@if [ "$$(cat _build/.code-key 2>/dev/null)" != "$(CODE_KEY)" ]; then \
	  echo "utils/ or requirements changed: every chapter will execute again"; \
	  rm -rf _build/.jupyter_cache _build/jupyter_execute _build/.doctrees _build/html; \
	fi
	rm -rf _build/html/reports
	time "$(BIN)/jupyter-book" build . -W -n --keep-going
	@echo "$(CODE_KEY)" > _build/.code-key

code-key:  ## print the stamp that decides whether the book's cached execution is still valid
	@echo "$(CODE_KEY)"

test: browser book
	"$(BIN)/python" -m pytest -v -rs

unit: env  ## only the fast tests: utils and notebook structure
	"$(BIN)/python" -m pytest tests

nbval: env  ## only the stored-output regression checks
	"$(BIN)/python" -m pytest chapters

outputs: env  ## re-execute every chapter in place: the one way committed outputs are produced
	cd chapters && for nb in *.ipynb; do \
	  echo "executing $$nb"; "$(BIN)/jupyter" execute --inplace --timeout=900 "$$nb" || exit 1; \
	done

data: env  ## download (or take from the mirror) and verify every dataset
	"$(BIN)/python" -m utils.data

bench: env  ## execute every chapter cold, time nbval, measure throughput: benchmarks/report-<cpu|gpu>.md
	"$(BIN)/python" benchmarks/bench.py

clean:
	rm -rf _build
