# The two commands of the README, plus helpers. Each target installs what it needs.
.PHONY: demo test bench lint install kafka-up kafka-down monitoring-up monitoring-down clean

install:
	@deploy/bootstrap.sh

demo: install
	.venv/bin/iprx demo

# pytest exits 5 when it collected no test; that is not a failure of the suite.
# The schema registry tests need the vendored registry's own venv (tests/tools/schema-registry).
# The Prometheus rule tests need promtool, the HTML report test chromium: installed here when missing; if
# that fails, it says why in one line and those tests fail (they never skip).
test: install
	@deploy/monitoring/install-prometheus.sh || true
	@tests/tools/install-chromium.sh || true
	@tests/tools/schema-registry/install.sh >/dev/null && .venv/bin/ruff check . && .venv/bin/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then rc=0; fi; exit $$rc

# Every stage against its raw baseline (DESIGN.md §6); ARGS='--events 1000000 --profile' for more.
bench: install
	.venv/bin/iprx bench --json .iprx/bench/last.json $(ARGS)

lint: install
	.venv/bin/ruff check .

kafka-up: install
	.venv/bin/iprx kafka up

kafka-down: install
	.venv/bin/iprx kafka down

monitoring-up: install
	@deploy/monitoring/install-prometheus.sh
	.venv/bin/iprx monitoring up

monitoring-down: install
	.venv/bin/iprx monitoring down

clean:
	-.venv/bin/iprx monitoring down
	-.venv/bin/iprx kafka down
	rm -rf .iprx
