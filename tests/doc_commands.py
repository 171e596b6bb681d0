"""The shell commands the documentation shows: every fenced ``bash`` block of README.md, docs/*.md and
conf/local/README.md, one command per entry (continuation lines joined, trailing comments and output lines
dropped). `tests/test_newcomer.py` runs some of them as written; `tests/test_doc_commands.py` fails on one
that no test runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("README.md", "docs/*.md", "conf/local/README.md")
SHELL_BLOCK = re.compile(
    r"^[ \t]*```(?:bash|sh|shell|console)\n(.*?)^[ \t]*```", flags=re.DOTALL | re.MULTILINE
)
TRAILING_COMMENT = re.compile(r"\s+#\s.*$")
VENV_PROGRAM = re.compile(r"(?<![\w/])\.venv/bin/(?=[\w-]+\s)")
"""The ``.venv/bin/`` before a program's name (not before ``activate``, which is sourced)."""


@dataclass(frozen=True)
class DocCommand:
    document: str
    line: int
    text: str
    """The command as a user would paste it (one line)."""

    @property
    def normalised(self) -> str:
        """Whitespace collapsed, the virtual environment's ``.venv/bin/`` prefix dropped: the form tests
        match on (``.venv/bin/kedro run`` and ``kedro run`` are the same command)."""
        return re.sub(r"\s+", " ", VENV_PROGRAM.sub("", self.text)).strip()

    def __str__(self) -> str:
        return f"{self.document}:{self.line}: {self.text}"


def _commands_of_block(block: str, document: str, first_line: int) -> list[DocCommand]:
    commands, pending, start = [], "", first_line
    for offset, raw in enumerate(block.splitlines()):
        line = raw.strip()
        if not pending:
            start = first_line + offset
            if not line or line.startswith("#"):
                continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        commands.append(DocCommand(document, start, pending + TRAILING_COMMENT.sub("", line)))
        pending = ""
    return commands


def doc_commands(root: Path = PROJECT_ROOT) -> list[DocCommand]:
    """Every command of every fenced shell block of the documentation, in document order."""
    commands = []
    for pattern in DOCUMENTS:
        for path in sorted(root.glob(pattern)):
            text = path.read_text(encoding="utf-8")
            for block in SHELL_BLOCK.finditer(text):
                first_line = text.count("\n", 0, block.start(1)) + 1
                commands += _commands_of_block(block.group(1), str(path.relative_to(root)), first_line)
    return commands


def doc_command(document: str, containing: str, root: Path = PROJECT_ROOT) -> str:
    """The one command of ``document`` whose text contains ``containing``, as written there."""
    found = [c.text for c in doc_commands(root) if c.document == document and containing in c.text]
    assert len(found) == 1, f"{document}: expected one command containing {containing!r}, found {found}"
    return found[0]
