"""Prompts answered from an answers file, by --yes, or refused when nobody can answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from metrolab.runner.errors import AnswersFileError, UnansweredPrompt
from metrolab.runner.operator import Answers, Operator
from metrolab.runner.procedure import Prompt

LEADS = Prompt("connect-leads", "Connect the 4-wire leads")
ADJUST = Prompt("adjust", "Adjust the DUT?", kind="yes_no", default=False)


def test_toml_and_json_answers_files_read_the_same(tmp_path: Path) -> None:
    toml = tmp_path / "answers.toml"
    toml.write_text('operator = "A. Tech"\n[prompts]\nconnect-leads = true\nadjust = false\n'
                    '[overrides]\nCAL-01 = "booked"\n[customer]\nname = "Client Ltd"\n')
    data = {"operator": "A. Tech", "prompts": {"connect-leads": True, "adjust": False},
            "overrides": {"CAL-01": "booked"}, "customer": {"name": "Client Ltd"}}
    as_json = tmp_path / "answers.json"
    as_json.write_text(json.dumps(data))
    assert Answers.load(toml) == Answers.load(as_json) == Answers(
        "A. Tech", data["prompts"], data["overrides"], data["customer"])


def test_answers_file_wins_then_yes_then_refusal() -> None:
    answers = Answers(prompts={"adjust": True})
    assert Operator(answers, interactive=False).answer(ADJUST) == (True, "answers file")
    assert Operator(yes=True, interactive=False).answer(LEADS) == (True, "--yes")
    assert Operator(yes=True, interactive=False).answer(ADJUST) == (False, "--yes")
    with pytest.raises(UnansweredPrompt, match="connect-leads = true"):
        Operator(interactive=False).answer(LEADS)


def test_terminal_is_asked_when_interactive() -> None:
    asked: list[str] = []

    def ask(prompt: Prompt) -> bool:
        asked.append(prompt.key)
        return False

    assert Operator(interactive=True, ask=ask).answer(LEADS) == (False, "terminal")
    assert asked == ["connect-leads"]


@pytest.mark.parametrize(("name", "text", "message"), [
    ("a.toml", "[prompts\n", "not valid TOML"),
    ("a.json", "{", "not valid JSON"),
    ("a.toml", "[prompts]\nleads = 'yes'\n", "must map prompt keys to true or false"),
    ("a.toml", "answers = 1\n", "unknown key 'answers'"),
    ("a.toml", "[overrides]\nCAL-01 = ''\n", "non-empty reason"),
    ("a.json", "[1, 2]", "top level must be a table"),
    ("a.toml", "[customer]\nphone = '1'\n", "\\[customer\\] may hold only text under name"),
])
def test_malformed_answers_file_names_the_problem(tmp_path: Path, name: str, text: str,
                                                  message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(AnswersFileError, match=message):
        Answers.load(path)
