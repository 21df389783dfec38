# The README's two commands: `make wbr` (builds this week's deck from the bundled sample) and
# `make test`. Every target that needs the virtual environment depends on `setup`, which makes it
# on first use.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
CONFIG  ?= wbr.yaml
WEEK    ?= latest
OUT     ?= reports
EMAIL   ?=
TO      ?=
DRY_RUN ?=
PDF     ?=
REQUIRE_COMPLETE ?=
PYTEST_ARGS ?=

.PHONY: setup wbr deck test lab bench lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name wbr --display-name "wbr (venv)" >/dev/null
	@# wbr's bytecode, as a wheel install compiles it: an editable install writes none, and with
	@# PYTHONDONTWRITEBYTECODE set (as on some CI images) every run compiled ~100 modules (~0.1 s)
	$(PY) -m compileall -q wbr >/dev/null
	@touch $@

wbr: setup
	$(VENV)/bin/wbr run --config $(CONFIG) --week $(WEEK) --out $(OUT) $(if $(PDF),--pdf) $(if $(REQUIRE_COMPLETE),--require-complete)
ifneq ($(EMAIL),)
	$(VENV)/bin/wbr send --config $(CONFIG) --week $(WEEK) --out $(OUT) $(if $(TO),--to $(TO)) $(if $(DRY_RUN),--dry-run $(DRY_RUN))
endif

deck: setup
	$(VENV)/bin/wbr deck --config $(CONFIG) --week $(WEEK)

test: setup
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

lab: setup
	$(VENV)/bin/jupyter lab --allow-root notebooks/

bench: setup
	@for script in benchmarks/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy wbr

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache .hypothesis build *.egg-info
