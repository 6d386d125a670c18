# Short recipes a newcomer can run. `make demo` and `make test` provision everything themselves.
.PHONY: demo test check fuzz bench provision mutate mutate-recheck

provision:
	bash scripts/provision.sh

demo: provision
	.venv/bin/divert demo

# The suite runs after `check`, so CI (`make test`) refuses unformatted, unlinted or ill-typed code first.
test: provision check
	bash scripts/test.sh

# Format, lint and types over every room (the matcher strictest: see [tool.mypy] in pyproject.toml).
check: provision
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/mypy api bench catalog cli divert importers matcher web worker

fuzz: provision
	DIVERT_FUZZ_EXAMPLES=500 bash scripts/test.sh tests/fuzz

bench: provision
	.venv/bin/divert bench run

# Mutation testing of the matcher (slow, CPU-heavy; see docs/testing.md). MUTATE_CHILDREN=2 to go faster.
mutate: provision
	bash scripts/mutate.sh

# Runs again only the last run's survivors, against the tests as they are now (docs/testing.md).
mutate-recheck: provision
	bash scripts/mutate.sh --recheck
