# The two commands a newcomer runs: `make demo` and `make test`.
# Both install what they need (Debian packages, .venv, the project) on their own.

PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# pytest-xdist workers for `make test`; the pcscd tests share one (tests/conftest.py)
TEST_WORKERS ?= 2

.PHONY: demo test lint bench package deps venv clean

deps:
	@sh scripts/install-system-deps.sh

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade "pip>=23"
	$(VPY) -m pip install -q -e '.[dev]'
	# the MRZ line reader's weights only (devices/camera/mrz_learned.py): its own
	# dependencies would bring the full opencv-python and a second Qt
	$(VPY) -m pip install -q --no-deps "rapidocr_onnxruntime>=1.4.4,<1.5"
	@touch $(STAMP)

venv: deps $(STAMP)

demo: venv
	$(VPY) -m harness.demo

test: venv
	$(VPY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VPY) -m mypy
	$(VPY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup

lint: venv
	$(VPY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VPY) -m mypy

bench: venv
	@sh scripts/install-system-deps.sh scripts/bench-packages.txt
	$(VPY) -m pip install -q -e '.[bench]'
	$(VPY) bench/outbox.py
	$(VPY) bench/card.py
	$(VPY) bench/receipt.py
	$(VPY) bench/camera.py
	$(VPY) bench/ui.py
	$(VPY) bench/face.py

# One-folder build (kiosk.spec; docs/package.md). Check the result on a terminal with
# `dist/kiosk/kiosk --self-test --config /etc/kiosk/kiosk.toml`.
package: venv
	$(VPY) -m pip install -q -e '.[package]'
	rm -rf build/kiosk dist/kiosk
	$(VPY) -m PyInstaller --noconfirm --clean --log-level WARN kiosk.spec
	@dist/kiosk/kiosk --help > /dev/null
	@echo "built: $(CURDIR)/dist/kiosk/kiosk ($$(du -sh dist/kiosk | cut -f1) in $$(find dist/kiosk -type f | wc -l) files)"
	@echo "check: dist/kiosk/kiosk --self-test --config FILE"

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
