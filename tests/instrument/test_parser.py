"""The simulators' SCPI parser: short/long forms, case, chains, and the standard errors."""

import pytest

from metrolab.instrument.simulation import CommandError, CommandTree, number, one_param
from metrolab.instrument.simulation.parser import compile_header, split_outside_quotes


def make_tree() -> tuple[CommandTree, dict[str, object], list[tuple[int, str]]]:
    state: dict[str, object] = {"volt": 1.0, "text": ""}
    errors: list[tuple[int, str]] = []
    tree = CommandTree()
    tree.add(
        "[SENSe:]VOLTage[:DC]:RANGe",
        lambda p: state.__setitem__("volt", number(one_param(p), minimum=0.1, maximum=1000)),
    )
    tree.add("[SENSe:]VOLTage[:DC]:RANGe?", lambda p: f"{state['volt']:g}")
    tree.add("[SENSe:]VOLTage[:DC]:NPLCycles?", lambda p: "10")
    tree.add("MEASure:VOLTage:DC?", lambda p: "+1.0E+00")
    tree.add("DISPlay:TEXT", lambda p: state.__setitem__("text", one_param(p)))
    tree.add("*IDN?", lambda p: "ACME,X,1,2")
    return tree, state, errors


@pytest.mark.parametrize(
    "header",
    [
        "MEAS:VOLT:DC?",
        "MEASure:VOLTage:DC?",
        "meas:volt:dc?",
        "MeAsUrE:vOlTaGe:Dc?",
        ":MEAS:VOLT:DC?",
    ],
)
def test_short_and_long_forms_in_any_case_are_the_same_command(header: str) -> None:
    tree, _, errors = make_tree()
    assert tree.execute(header, lambda c, m: errors.append((c, m))) == "+1.0E+00"
    assert errors == []


@pytest.mark.parametrize("header", ["MEASU:VOLT:DC?", "MEA:VOLT:DC?", "MEAS:VOLTS:DC?"])
def test_partial_forms_are_undefined_headers(header: str) -> None:
    tree, _, errors = make_tree()
    assert tree.execute(header, lambda c, m: errors.append((c, m))) is None
    assert errors == [(-113, "Undefined header")]


def test_optional_nodes_may_be_left_out() -> None:
    tree, state, errors = make_tree()
    tree.execute("VOLT:RANG 10", lambda c, m: errors.append((c, m)))
    assert state["volt"] == 10.0
    assert tree.execute("SENSE:VOLTAGE:DC:RANGE?", lambda c, m: errors.append((c, m))) == "10"
    assert errors == []


def test_chain_continues_from_the_previous_branch_and_colon_returns_to_root() -> None:
    tree, _, errors = make_tree()
    reply = tree.execute(
        "VOLT:DC:RANG 100;RANG?;NPLC?;:MEAS:VOLT:DC?;*IDN?", lambda c, m: errors.append((c, m))
    )
    assert reply == "100;10;+1.0E+00;ACME,X,1,2"
    assert errors == []


def test_chain_stops_at_the_first_error_and_keeps_earlier_effects() -> None:
    tree, state, errors = make_tree()
    reply = tree.execute("VOLT:RANG 100;BOGUS;VOLT:RANG 1", lambda c, m: errors.append((c, m)))
    assert reply is None
    assert state["volt"] == 100.0
    assert errors == [(-113, "Undefined header")]


def test_relative_header_after_a_branch_is_not_taken_from_the_root() -> None:
    tree, _, errors = make_tree()
    tree.execute("VOLT:RANG 10;MEAS:VOLT:DC?", lambda c, m: errors.append((c, m)))
    assert errors == [(-113, "Undefined header")]


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("VOLT:RANG 5000", -222),
        ("VOLT:RANG abc", -104),
        ("VOLT:RANG", -109),
        ("VOLT:RANG 1,2", -108),
    ],
)
def test_parameter_errors_have_their_scpi_codes(message: str, code: int) -> None:
    tree, state, errors = make_tree()
    tree.execute(message, lambda c, m: errors.append((c, m)))
    assert [c for c, _ in errors] == [code]
    assert state["volt"] == 1.0


def test_min_max_keywords_pick_the_bounds() -> None:
    assert number("MIN", minimum=0.1, maximum=1000) == 0.1
    assert number("maximum", minimum=0.1, maximum=1000) == 1000


def test_quoted_parameters_keep_separators() -> None:
    tree, state, errors = make_tree()
    tree.execute('DISP:TEXT "a;b,c"', lambda c, m: errors.append((c, m)))
    assert state["text"] == '"a;b,c"'
    assert errors == []
    assert split_outside_quotes('x "1;2";y', ";") == ['x "1;2"', "y"]


def test_command_error_carries_standard_text() -> None:
    assert CommandError(-222).message == "Data out of range"
    assert compile_header("VOLTage[:DC]").fullmatch("volt")
