"""``decide``: a statement of conformity with its rule, limits and risks, for arrays of points.

A decision never stands as a bare pass/fail: :class:`Decision` keeps the rule and its
parameters, the measured values, U and k, the tolerance and acceptance limits, the
statement, the probability of conformity and specific risk (JCGM 106 clause 7), and with
a prior the global PFA and PFR of the rule (JCGM 106 clause 9), and the TUR.

Rules (ILAC-G8:09/2019 clause 4.2): ``simple`` (binary, acceptance limits = tolerance
limits, shared risk), ``guarded`` (binary, acceptance limits moved in by the guard band w;
w = U when no guard band is given) and ``nonbinary`` (pass, conditional pass, conditional
fail, fail with zones of width w beside each limit; w = U when none is given). A value
exactly on a limit counts as inside that limit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from metrolab.conformity.errors import ConformityInputError, LowTURWarning
from metrolab.conformity.guardband import GuardBand
from metrolab.conformity.measurement import ErrorModel
from metrolab.conformity.priors import Prior, describe_distribution
from metrolab.conformity.risk import global_risk, probability_of_conformity
from metrolab.conformity.statements import CLAIMS_CONFORMITY, DCC_CONFORMITY, classify
from metrolab.conformity.tolerance import Tolerance, tur
from metrolab.units import Quantity, as_ours

FloatArray = npt.NDArray[np.float64]

RULES: Final[tuple[str, ...]] = ("simple", "guarded", "nonbinary")
#: below this TUR a decision without a risk analysis is flagged (ANSI/NCSL Z540.3 5.3)
MINIMUM_TUR: Final = 4.0
EQUALITY_CONVENTION: Final = "a value exactly on a limit counts as inside that limit"


@dataclass(frozen=True)
class Decision:
    """The outcome of :func:`decide` for one point (scalars) or many (arrays of one shape).

    Values are magnitudes in ``unit`` (None for plain numbers); probabilities are
    fractions. ``statement`` and the specific-risk fields are None when no measured value
    was given; ``pfa``/``pfr`` are None without a prior; ``tur`` is NaN for a one-sided
    tolerance.
    """

    rule: str
    parameters: dict[str, Any]
    measured: FloatArray | None
    U: FloatArray
    k: float
    lower_limit: FloatArray
    upper_limit: FloatArray
    acceptance_lower: FloatArray
    acceptance_upper: FloatArray
    statement: npt.NDArray[np.str_] | None
    probability_of_conformity: FloatArray | None
    specific_risk: FloatArray | None
    pfa: FloatArray | None
    pfr: FloatArray | None
    tur: FloatArray
    unit: str | None
    shape: tuple[int, ...]
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the decision as JSON-safe plain data (scalars for one point, lists for many).

        Keys: rule, parameters, measured, U, k, lower_limit, upper_limit,
        acceptance_lower, acceptance_upper, statement, dcc_conformity,
        probability_of_conformity, specific_risk, pfa, pfr, tur, unit, warnings.
        A missing limit, an undefined TUR and an absent value are None.
        """
        statement = None if self.statement is None else self._plain_text(self.statement)
        dcc = (
            None
            if self.statement is None
            else self._plain_text(np.vectorize(DCC_CONFORMITY.__getitem__)(self.statement))
        )
        return {
            "rule": self.rule,
            "parameters": self.parameters,
            "measured": self._plain(self.measured),
            "U": self._plain(self.U),
            "k": self.k,
            "lower_limit": self._plain(self.lower_limit),
            "upper_limit": self._plain(self.upper_limit),
            "acceptance_lower": self._plain(self.acceptance_lower),
            "acceptance_upper": self._plain(self.acceptance_upper),
            "statement": statement,
            "dcc_conformity": dcc,
            "probability_of_conformity": self._plain(self.probability_of_conformity),
            "specific_risk": self._plain(self.specific_risk),
            "pfa": self._plain(self.pfa),
            "pfr": self._plain(self.pfr),
            "tur": self._plain(self.tur),
            "unit": self.unit,
            "warnings": list(self.warnings),
        }

    def _plain(self, values: FloatArray | None) -> Any:
        if values is None:
            return None
        cleaned = [None if not np.isfinite(v) else float(v) for v in values.reshape(-1)]
        if self.shape == ():
            return cleaned[0]
        return np.array(cleaned, dtype=object).reshape(self.shape).tolist()

    def _plain_text(self, values: npt.NDArray[np.str_]) -> Any:
        if self.shape == ():
            return str(values.reshape(-1)[0])
        return values.astype(str).reshape(self.shape).tolist()


def _magnitude(value: Any, unit: str | None, name: str) -> FloatArray:
    """Return ``value`` as a float array in ``unit`` (or as given when unit is None).

    A Quantity of any pint registry is taken (converted to metrolab's registry first).
    """
    value = as_ours(value, name, ConformityInputError)
    if isinstance(value, Quantity):
        if unit is None:
            raise ConformityInputError(
                f"{name} has a unit but the measured value has none: give all values "
                "with units or none"
            )
        try:
            return np.asarray(value.to(unit).magnitude, dtype=float)
        except Exception as exc:  # pint's DimensionalityError and friends
            raise ConformityInputError(
                f"{name} in {value.units} cannot be expressed in {unit}: {exc}"
            ) from None
    if unit is not None:
        raise ConformityInputError(
            f"{name} is a plain number but the other values carry the unit {unit}: give it "
            "with a unit"
        )
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ConformityInputError(f"{name} = {value!r} is not a number or array") from None
    return array


def _unit_of(*values: Any) -> str | None:
    """Return the unit text of the first Quantity (of any pint registry) among values, or None."""
    for value in values:
        ours = as_ours(value, "a value", ConformityInputError)
        if isinstance(ours, Quantity):
            return str(ours.units)
    return None


def _coerce_prior(prior: Any, unit: str | None, tolerance: Tolerance) -> Prior | None:
    """Return a :class:`Prior` from None, an ITP fraction, a (mean, sd) pair, a Prior or a
    frozen scipy distribution."""
    if prior is None or isinstance(prior, Prior):
        return prior
    if isinstance(prior, tuple) and len(prior) == 2:
        return Prior.normal(
            _magnitude(prior[0], unit, "prior mean"), _magnitude(prior[1], unit, "prior sd")
        )
    if hasattr(prior, "pdf"):
        return Prior.from_distribution(prior)
    try:
        itp = float(prior)
    except (TypeError, ValueError):
        raise ConformityInputError(
            f"prior {prior!r} is not an in-tolerance probability, a (mean, sd) pair or a "
            "scipy distribution"
        ) from None
    return Prior.from_itp(itp, tolerance.lower, tolerance.upper)


def _guard_in_unit(guard: Any, unit: str | None) -> GuardBand:
    """Return the GuardBand for ``guard``; widths (numbers, arrays, Quantities, or a
    (lower, upper) pair) are taken in ``unit`` like the other values."""
    if guard is None or isinstance(guard, str | GuardBand):
        return GuardBand.coerce(guard)
    if isinstance(guard, tuple) and len(guard) == 2:
        return GuardBand.width(
            _magnitude(guard[0], unit, "lower guard band"),
            _magnitude(guard[1], unit, "upper guard band"),
        )
    return GuardBand.width(_magnitude(guard, unit, "guard band"))


def decide(
    measured: Any,
    U: Any,
    *,
    lower: Any = None,
    upper: Any = None,
    k: float = 2.0,
    rule: str = "simple",
    guard: Any = None,
    prior: Any = None,
    measurement: Any = None,
) -> Decision:
    """Return the :class:`Decision` for measured values against a tolerance.

    ``measured`` (None to get only the limits and risks), ``U`` (expanded uncertainty),
    ``lower`` and ``upper`` are numbers, arrays or pint Quantities (all with units or
    none) and broadcast together; give one or both limits. ``k`` is the coverage factor
    of U (u = U / k). ``rule`` is ``simple``, ``guarded`` or ``nonbinary``. ``guard`` is
    None (w = U for the guarded rules), a width, a (lower, upper) pair of widths, a
    method name (``rss``, ``rp10``, ``u``, ``dobbert``) or a :class:`GuardBand` (e.g.
    ``GuardBand.multiple(r)``, ``GuardBand.target_pfa(0.02)``). ``prior`` (optional) is
    an in-tolerance probability (fraction, normal centred in the tolerance), a
    (mean, sd) pair, a :class:`Prior` or a frozen scipy distribution; with it PFA and
    PFR are computed. ``measurement`` (optional) is a frozen scipy distribution of the
    measurement error used instead of N(0, U/k) for the risks.

    Warns :class:`LowTURWarning` when TUR < 4 and no prior is given. Raises
    :class:`ConformityInputError` for bad inputs and ``ConformityError`` when a target
    PFA cannot be met.
    """
    if rule not in RULES:
        raise ConformityInputError(f"unknown decision rule {rule!r}: use one of {', '.join(RULES)}")
    if not np.isfinite(k) or k <= 0:
        raise ConformityInputError(f"coverage factor k = {k} must be a positive number")
    unit = _unit_of(measured, U, lower, upper)
    if (
        unit is not None
        and measured is not None
        and not isinstance(as_ours(measured, "measured value", ConformityInputError), Quantity)
    ):
        raise ConformityInputError(
            f"the measured value is a plain number but other values carry the unit {unit}"
        )
    tolerance = Tolerance.from_limits(
        None if lower is None else _magnitude(lower, unit, "lower limit"),
        None if upper is None else _magnitude(upper, unit, "upper limit"),
    )
    expanded_in = _magnitude(U, unit, "U")
    measured_in = None if measured is None else _magnitude(measured, unit, "measured value")
    if np.any(~np.isfinite(expanded_in)) or np.any(expanded_in <= 0):
        raise ConformityInputError("the expanded uncertainty U must be positive at every point")
    if measured_in is not None and not np.all(np.isfinite(measured_in)):
        raise ConformityInputError("a measured value is NaN or infinite: give numbers")

    guard_band = _guard_in_unit(guard, unit)
    if rule == "simple" and guard_band.kind != "none":
        raise ConformityInputError(
            "simple acceptance has no guard band: use rule 'guarded' or 'nonbinary' with a "
            "guard band"
        )
    if rule != "simple" and guard_band.kind == "none":
        guard_band = GuardBand.multiple(1.0)
    prior_model = _coerce_prior(prior, unit, tolerance)

    arrays = [expanded_in, tolerance.lower, tolerance.upper]
    if measured_in is not None:
        arrays.append(measured_in)
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        raise ConformityInputError(
            "measured values, U and limits have shapes that do not broadcast: "
            f"{[a.shape for a in arrays]}"
        ) from None
    if prior_model is not None:
        prior_model.check_shape(shape)
    n = int(np.prod(shape))

    def flat(a: FloatArray) -> FloatArray:
        return np.broadcast_to(a, shape).reshape(n).astype(float)

    big_u, tl, tu = flat(expanded_in), flat(tolerance.lower), flat(tolerance.upper)
    error = ErrorModel.build(big_u / k, measurement)
    w_lower, w_upper = guard_band.resolve(tl, tu, big_u, error, prior_model)
    if rule == "nonbinary" and (np.any(w_lower < 0) or np.any(w_upper < 0)):
        raise ConformityInputError(
            "the non-binary rule needs a guard band >= 0 (its zones lie inside and outside "
            "the tolerance limits)"
        )
    al, au = tl + w_lower, tu - w_upper
    ratio = tur((tu - tl) / 2.0, big_u)  # T = half-width; NaN where one-sided

    notes: list[str] = []
    low_tur = np.isfinite(ratio) & (ratio < MINIMUM_TUR)
    if prior_model is None and np.any(low_tur):
        message = (
            f"TUR {float(np.nanmin(ratio)):.3g}:1 is below {MINIMUM_TUR:g}:1 at "
            f"{int(np.sum(low_tur))} point(s) and no risk analysis was requested "
            "(ANSI/NCSL Z540.3 5.3): give a prior (in-tolerance probability) to evaluate PFA"
        )
        notes.append(message)
        warnings.warn(message, LowTURWarning, stacklevel=2)

    statement = pc = specific = None
    if measured_in is not None:
        y = flat(measured_in)
        statement = classify(y, tl, tu, al, au, binary=rule != "nonbinary")
        pc = probability_of_conformity(y, tl, tu, error)
        claims = np.isin(statement, list(CLAIMS_CONFORMITY))
        specific = np.where(claims, 1.0 - pc, pc)

    pfa = pfr = None
    if prior_model is not None:
        risk = global_risk(prior_model, tl, tu, al, au, error)
        pfa, pfr = risk.pfa, risk.pfr

    parameters: dict[str, Any] = {
        "guide": "ILAC-G8:09/2019",
        "binary": rule != "nonbinary",
        "guard_band": guard_band.describe(),
        "equality": EQUALITY_CONVENTION,
        "prior": None if prior_model is None else prior_model.description,
        "measurement_distribution": (
            {"kind": "normal", "u": "U / k"}
            if measurement is None
            else describe_distribution(measurement)
        ),
        "risk_method": "JCGM 106:2012",
    }
    return Decision(
        rule=rule,
        parameters=parameters,
        measured=None if measured_in is None else flat(measured_in),
        U=big_u,
        k=float(k),
        lower_limit=tl,
        upper_limit=tu,
        acceptance_lower=al,
        acceptance_upper=au,
        statement=statement,
        probability_of_conformity=pc,
        specific_risk=specific,
        pfa=pfa,
        pfr=pfr,
        tur=ratio,
        unit=unit,
        shape=tuple(shape),
        warnings=notes,
    )
