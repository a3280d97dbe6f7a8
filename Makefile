# zsupport-mail: `make install` sets up everything on a fresh Debian 12 machine,
# `make run` serves on SQLite with replies written to var/outbox, `make test` runs the suite.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= config/zsupport.example.toml
DEBIAN_PACKAGES := postgresql-15 dovecot-imapd postfix swaks msmtp systemd sqlite3 openssl chromium chromium-driver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install install-debs install-python run test test-fast lint typecheck bench clean

install: install-debs install-python

# The tests start their own PostgreSQL, Dovecot and Postfix under temp dirs; the packages
# only provide the binaries. policy-rc.d keeps apt from starting system daemons, and the
# debconf answer keeps Postfix from writing a system configuration.
install-debs:
	@if dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1; then \
		echo "Debian packages already installed: $(DEBIAN_PACKAGES)"; \
	elif [ "$$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then \
		echo "Run as root: apt-get install -y $(DEBIAN_PACKAGES)"; exit 1; \
	else \
		[ -e /usr/sbin/policy-rc.d ] || printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee /usr/sbin/policy-rc.d >/dev/null; \
		$(SUDO) chmod +x /usr/sbin/policy-rc.d; \
		echo "postfix postfix/main_mailer_type select No configuration" | $(SUDO) debconf-set-selections; \
		$(SUDO) apt-get update -qq; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEBIAN_PACKAGES); \
	fi

install-python:
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'

run:
	$(BIN)/zsupport-mail --config $(CONFIG) db upgrade
	$(BIN)/zsupport-mail --config $(CONFIG) serve

lint:
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench migrations

typecheck:
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest

# The edit loop: unit and integration tests on SQLite only (no acceptance, no PostgreSQL).
test-fast:
	$(BIN)/python -m pytest tests/unit tests/integration -m "not postgres"

bench:
	$(BIN)/python bench/run_all.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache build dist
