"""The simulators' SCPI parser: short/long forms, case, chains, and the standard errors."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrolab.instrument.simulation import CommandError, CommandTree, number, one_param
from metrolab.instrument.simulation.parser import (
    compile_header,
    nr3,
    query_value,
    split_outside_quotes,
)


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


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [("100mV", "V", 0.1), ("100 MV", "V", 0.1), ("2.5KOHM", "OHM", 2500.0),
     ("1MOHM", "OHM", 1e6), ("1MAV", "V", 1e6), ("10uA", "A", 1e-5), ("50MHZ", "HZ", 5e7),
     ("+1.5E+1 ms", "S", 0.015), ("-.5V", "V", -0.5)],
)
def test_unit_suffixes_carry_their_si_multiplier(text: str, unit: str, value: float) -> None:
    assert number(text, minimum=-1e9, maximum=1e9, unit=unit) == pytest.approx(value)


@pytest.mark.parametrize(("text", "unit", "code"),
                         [("10 A", "V", -131), ("10 XV", "V", -131), ("10 V", None, -138),
                          ("ten", "V", -104)])
def test_wrong_suffixes_give_their_scpi_codes(text: str, unit: str | None, code: int) -> None:
    with pytest.raises(CommandError) as caught:
        number(text, minimum=0, maximum=100, unit=unit)
    assert caught.value.code == code


def test_infinite_counts_and_default_values() -> None:
    assert number("INF", minimum=1, maximum=10, infinite=True) == float("inf")
    assert number("def", minimum=1, maximum=10, default=4) == 4
    with pytest.raises(CommandError):
        number("INF", minimum=1, maximum=10)


@pytest.mark.parametrize(("params", "value"),
                         [([], 5.0), (["MIN"], 1.0), (["maximum"], 9.0), (["DEF"], 3.0)])
def test_queries_report_the_bounds_they_are_asked_for(params: list[str], value: float) -> None:
    assert query_value(params, current=5.0, minimum=1.0, maximum=9.0, default=3.0) == value


def test_a_query_with_another_word_is_an_illegal_parameter() -> None:
    with pytest.raises(CommandError) as caught:
        query_value(["HIGH"], current=5.0, minimum=1.0, maximum=9.0)
    assert caught.value.code == -224


@pytest.mark.parametrize("separator", [" ", "\t", "  \t ", "\x01", "\r "])
def test_any_ieee_488_2_white_space_separates_header_and_parameters(separator: str) -> None:
    tree, state, errors = make_tree()
    tree.execute(f"VOLT:RANG{separator}100", lambda c, m: errors.append((c, m)))
    assert state["volt"] == 100.0
    assert errors == []


@given(st.floats(allow_nan=False, width=64))
def test_nr3_never_writes_minus_zero_and_parses_back(value: float) -> None:
    text = nr3(value)
    assert text != "-0.00000000E+00"
    assert float(text) == pytest.approx(value, rel=1e-8) or abs(value) >= 9.9e37
