"""Every command that README.md and docs/*.md show in a shell block is run by a test, or is on the short list
of those that cannot run here, with the reason. A new command in the documentation fails this check until a
test runs it."""

from __future__ import annotations

import re

import pytest

from tests.doc_commands import PROJECT_ROOT, DocCommand, doc_commands
from tests.test_newcomer import NEWCOMER_COMMANDS

#: Commands run by a test other than tests/test_newcomer.py: start of the command -> the test.
REGISTRY_CLI_TEST = "tests/test_registry.py::test_cli_shows_promotes_and_rolls_back"
KEYS_CLI_TEST = "tests/api/test_api_key_scopes.py::test_the_command_line_creates_lists_and_revokes"
USERS_CLI_TEST = "tests/access/test_users.py::test_the_command_line_manages_users"
AUDIT_CLI_TEST = "tests/access/test_audit_cli.py::test_erase_and_retention_print_their_counts"
EXPORT_CLI_TEST = "tests/access/test_audit_cli.py::test_export_prints_json_lines_and_is_recorded"
SPARK_RUN_TEST = (
    "tests/pipelines/data_processing/test_data_processing_engines.py::"
    "test_duckdb_and_spark_give_the_same_model_inputs"
)
SPARK_SCORING_TEST = (
    "tests/pipelines/scoring/test_scoring_pipeline.py::test_spark_scoring_equals_single_machine_scoring"
)
TESTED_ELSEWHERE = {
    "python -m credit_scoring.registry promote": REGISTRY_CLI_TEST,
    "python -m credit_scoring.registry rollback": REGISTRY_CLI_TEST,
    "python -m credit_scoring.api keys": KEYS_CLI_TEST,
    "python -m credit_scoring.users": USERS_CLI_TEST,
    "python -m credit_scoring.audit export": EXPORT_CLI_TEST,
    "python -m credit_scoring.audit retention": AUDIT_CLI_TEST,
    "python -m credit_scoring.audit erase": AUDIT_CLI_TEST,
    "kedro run --env spark --pipelines data_processing": SPARK_RUN_TEST,
    "kedro run --env spark --pipelines scoring": SPARK_SCORING_TEST,
}
#: Commands no test runs here: start of the command -> why.
NOT_RUN_HERE = {
    "make run": "serves until stopped: its steps (make setup, data, pipelines, scripts/serve) run one by one "
    "in tests/test_newcomer.py",
    "make test": "the test suite itself (CI runs it through .ci/run)",
    "pip install kaggle": "needs the internet and a Kaggle account",
    "kaggle competitions download": "needs the internet and a Kaggle account",
    "unzip home-credit-default-risk.zip": "the Kaggle archive (internet)",
    "ls data/01_raw/": "lists a folder",
    "java -version": "prints the JDK's version (.ci/run installs the JDK the Spark tests use)",
    "kedro run --env spark --pipelines data_processing --params spark_master=spark://HOST:7077": "needs a "
    "Spark cluster",
    "kedro run --env spark --pipelines scoring --params spark_master=spark://HOST:7077": "needs a "
    "Spark cluster",
    "docker build": "no Docker engine on these machines (tests/test_deployment.py checks the image's inputs)",
    "docker run": "no Docker engine on these machines (tests/test_deployment.py checks the command it runs)",
    "gh api": "changes a GitHub repository's settings (needs a token and the internet)",
}


def starts_with(command: str, start: str) -> bool:
    """``command`` is ``start`` or ``start`` followed by more arguments (``make data`` is not
    ``make data-force``)."""
    rest = command[len(start) :]
    return command.startswith(start) and (not rest or not (rest[0].isalnum() or rest[0] in "-_"))


def how_tested(command: DocCommand) -> str | None:
    """The longest matching start among the three lists, with where it is handled."""
    handled = {start: "tests/test_newcomer.py" for start in NEWCOMER_COMMANDS}
    handled |= TESTED_ELSEWHERE | {start: f"not run: {why}" for start, why in NOT_RUN_HERE.items()}
    matching = [start for start in handled if starts_with(command.normalised, start)]
    return handled[max(matching, key=len)] if matching else None


def test_the_documentation_shows_commands() -> None:
    documents = {command.document for command in doc_commands()}
    assert {"README.md", "docs/api.md", "docs/mlops.md", "conf/local/README.md"} <= documents


def test_every_documented_command_is_run_by_a_test_or_says_why_not() -> None:
    untested = [str(command) for command in doc_commands() if how_tested(command) is None]
    assert not untested, "commands of the documentation that no test runs:\n" + "\n".join(untested)


@pytest.mark.parametrize("test_id", sorted(set(TESTED_ELSEWHERE.values())))
def test_the_tests_named_exist(test_id: str) -> None:
    path, name = test_id.split("::")
    assert re.search(rf"^def {name}\(", (PROJECT_ROOT / path).read_text(), flags=re.MULTILINE), test_id


def test_the_documentation_spells_pipelines_as_kedro_1_7_does() -> None:
    deprecated = [str(c) for c in doc_commands() if re.search(r"kedro run\b.*--pipeline\s", c.normalised)]
    assert not deprecated, deprecated


def test_no_allowance_is_left_over() -> None:
    """Every entry of the lists matches a documented command: an entry whose command left the docs goes."""
    normalised = [command.normalised for command in doc_commands()]
    starts = [*TESTED_ELSEWHERE, *NOT_RUN_HERE]
    unused = [start for start in starts if not any(starts_with(command, start) for command in normalised)]
    assert not unused, unused
