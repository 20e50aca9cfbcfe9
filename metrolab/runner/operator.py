"""The operator: prompts answered at the terminal, from an answers file, or by ``--yes``.

Answers file (TOML, or JSON with the same structure; see ``docs/procedures.md``)::

    operator = "A. Technician"          # recorded in the journal
    [prompts]                           # prompt key -> true/false
    connect-4w-short = true
    adjust = false
    [overrides]                         # register id -> reason to use an expired standard
    "CAL-5522A-01" = "recalibration booked, drift within spec per control chart"
    [customer]                          # who the item is calibrated for (certificate)
    name = "Customer Ltd"
    address = "2 Client Street, Town"
    contact = "J. Client"
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from metrolab.runner.errors import AnswersFileError, OperatorAborted, UnansweredPrompt
from metrolab.runner.procedure import Prompt

_KEYS = {"operator", "prompts", "overrides", "customer", "item"}

#: the keys of a customer (``--customer``, the answers file's ``[customer]``)
CUSTOMER_FIELDS = ("name", "address", "contact")
#: the keys of the item calibrated (``--item``, the answers file's ``[item]``)
ITEM_FIELDS = ("manufacturer", "model", "serial", "asset", "description", "received",
               "condition")


@dataclass(frozen=True, slots=True)
class Answers:
    """The contents of an answers file: operator, prompt answers, overrides, customer."""

    operator: str | None = None
    prompts: Mapping[str, bool] = field(default_factory=dict)
    overrides: Mapping[str, str] = field(default_factory=dict)
    #: :data:`CUSTOMER_FIELDS` -> text; empty when the file has no ``[customer]``
    customer: Mapping[str, str] = field(default_factory=dict)
    #: :data:`ITEM_FIELDS` -> text: the item's nameplate identity (``[item]``)
    item: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> Answers:
        """Read an answers file (``.json`` as JSON, anything else as TOML); return its answers.

        Raises :class:`AnswersFileError` naming the file and the offending key.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise AnswersFileError(f"answers file {path}: cannot read it ({exc})") from exc
        try:
            data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
            kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
            raise AnswersFileError(f"answers file {path}: not valid {kind} ({exc})") from exc
        return cls.from_mapping(data, str(path))

    @classmethod
    def from_mapping(cls, data: Any, where: str = "answers") -> Answers:
        """Check ``data`` (the parsed file) and return it as :class:`Answers`."""
        if not isinstance(data, dict):
            raise AnswersFileError(f"answers file {where}: the top level must be a table")
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise AnswersFileError(
                f"answers file {where}: unknown key {unknown[0]!r} (allowed: operator, prompts, "
                "overrides, customer, item)"
            )
        operator = data.get("operator")
        if operator is not None and not isinstance(operator, str):
            raise AnswersFileError(f"answers file {where}: operator must be text")
        prompts = data.get("prompts", {})
        if not isinstance(prompts, dict) or not all(isinstance(v, bool) for v in prompts.values()):
            raise AnswersFileError(
                f"answers file {where}: [prompts] must map prompt keys to true or false"
            )
        overrides = data.get("overrides", {})
        if not isinstance(overrides, dict) or not all(
            isinstance(v, str) and v.strip() for v in overrides.values()
        ):
            raise AnswersFileError(
                f"answers file {where}: [overrides] must map register ids to a non-empty reason"
            )
        customer = data.get("customer", {})
        if not isinstance(customer, dict) or set(customer) - set(CUSTOMER_FIELDS) or not all(
            isinstance(v, str) for v in customer.values()
        ):
            raise AnswersFileError(
                f"answers file {where}: [customer] may hold only text under "
                f"{', '.join(CUSTOMER_FIELDS)}"
            )
        item = data.get("item", {})
        if not isinstance(item, dict) or set(item) - set(ITEM_FIELDS) or not all(
            isinstance(v, str) for v in item.values()
        ):
            raise AnswersFileError(
                f"answers file {where}: [item] may hold only text under {', '.join(ITEM_FIELDS)}"
            )
        return cls(operator, dict(prompts), dict(overrides), dict(customer), dict(item))


Ask = Callable[[Prompt], bool]


def ask_terminal(prompt: Prompt) -> bool:
    """Ask ``prompt`` at the terminal; return the operator's yes (True) or no (False).

    Raises :class:`OperatorAborted` when the operator breaks off (Ctrl-C, end of input).
    """
    try:
        return bool(click.confirm(prompt.text, default=prompt.default, err=True))
    except click.Abort as exc:
        raise OperatorAborted(f"prompt {prompt.key!r} was broken off") from exc


def ask_text_terminal(question: str, default: str) -> str:
    """Ask ``question`` at the terminal; return the typed text (``default`` on Enter).

    Raises :class:`OperatorAborted` when the operator breaks off (Ctrl-C, end of input).
    """
    try:
        return str(click.prompt(question, default=default, err=True, show_default=bool(default)))
    except click.Abort as exc:
        raise OperatorAborted(f"question {question!r} was broken off") from exc


@dataclass(slots=True)
class Operator:
    """Answers prompts: first from the answers file, then ``--yes``, then the terminal.

    With neither an answer nor ``--yes`` and no terminal (``interactive`` False), a
    prompt raises :class:`UnansweredPrompt` instead of hanging.
    """

    answers: Answers = field(default_factory=Answers)
    yes: bool = False
    interactive: bool = field(default_factory=lambda: sys.stdin.isatty())
    ask: Ask = ask_terminal
    ask_text: Callable[[str, str], str] = ask_text_terminal

    @property
    def name(self) -> str:
        """Return the operator's name for the record (``unattended`` when none is known)."""
        return self.answers.operator or ("unattended" if not self.interactive else "operator")

    def answer(self, prompt: Prompt) -> tuple[bool, str]:
        """Return (answer, how it was given: ``answers file`` | ``--yes`` | ``terminal``)."""
        if prompt.key in self.answers.prompts:
            return self.answers.prompts[prompt.key], "answers file"
        if self.yes:
            return (True if prompt.kind == "confirm" else prompt.default), "--yes"
        if not self.interactive:
            raise UnansweredPrompt(
                f"prompt {prompt.key!r} ({prompt.text}) has no answer: add `{prompt.key} = true` "
                "under [prompts] in the answers file, or run with --yes"
            )
        return self.ask(prompt), "terminal"

    @property
    def can_ask(self) -> bool:
        """Return True when a question may go to the terminal (interactive, no ``--yes``)."""
        return self.interactive and not self.yes
