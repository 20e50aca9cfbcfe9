"""The decision rule and the coverage of U in plain language (ISO/IEC 17025 7.8.6.2 c).

A customer reads "a result passes when its error lies within the tolerance limits", not
``binary = True, guard_band.kind = none``. The sentences are built from the rule agreed
for the job (``run_started.decision_rule``) and the parameters every decision recorded
(``metrolab.conformity.decide``): guard band, the value on a limit, the risk method and
a prior when one was given. The rule's wording follows ILAC-G8:09/2019; the specific
risk is JCGM 106:2012's probability that a statement is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping

from metrolab.certificates.content import CertificateContent
from metrolab.certificates.rounding import format_trimmed

#: what each guard-band formula (metrolab.conformity.guardband.METHODS) sets, in words;
#: T is the tolerance half-width, A the acceptance half-width, TUR = T / U
_METHODS = {
    "u": "the guard band equals U, the expanded uncertainty of the result (A = T − U)",
    "rss": "the acceptance limit is A = √(T² − U²) (root-sum-square guard band)",
    "rp10": "the acceptance limit is A = T·(1.25 − 1/TUR), at most T (NCSLI RP-10)",
    "dobbert": "the acceptance limit is A = T − M·U with M = 1.04 − exp(0.38·ln TUR − 0.54), "
               "M ≥ 0 (Dobbert's managed guard band, 2008)",
}

_SIMPLE = (
    "Simple acceptance (ILAC-G8:09/2019, binary statement, guard band w = 0): a result "
    "passes when its error lies within the tolerance limits and fails when it lies outside "
    "them. The uncertainty is not subtracted from the tolerance, so for an error close to "
    "a limit the probability of a wrong pass can approach 50 %; that probability is stated "
    "for every result (specific risk).")
_GUARDED = (
    "Guarded acceptance (ILAC-G8:09/2019, binary statement with a guard band w): a result "
    "passes when its error lies within the acceptance limits, which are the tolerance "
    "limits moved inward by w, and fails otherwise.")
_NONBINARY = (
    "Non-binary statement with a guard band w (ILAC-G8:09/2019): pass when the error lies "
    "within the acceptance limits (the tolerance limits moved inward by w); conditional "
    "pass when it lies between an acceptance limit and the tolerance limit; conditional "
    "fail when it lies outside a tolerance limit by less than w; fail beyond that.")

_RULES = {"simple": _SIMPLE, "guarded": _GUARDED, "nonbinary": _NONBINARY}


def _common(content: CertificateContent) -> dict[str, str]:
    """Return the decision parameters (dotted name -> text) shared by every result."""
    sets = [dict(p.conformity.parameters) for p in content.results if p.conformity is not None]
    if not sets:
        return {}
    return {name: value for name, value in sets[0].items()
            if all(other.get(name) == value for other in sets[1:])}


def guard_band_sentence(parameters: Mapping[str, str]) -> str | None:
    """Return how the guard band was chosen, in words, or None without a guard band."""
    kind = parameters.get("guard_band.kind")
    if kind in (None, "none"):
        return None
    if kind == "multiple":
        r = parameters.get("guard_band.r", "1")
        return ("The guard band equals U, the expanded uncertainty of each result." if
                float(r) == 1.0 else f"The guard band is {r} times U, the expanded "
                "uncertainty of each result.")
    if kind == "method":
        method = parameters.get("guard_band.method", "")
        return f"Guard band: {_METHODS.get(method, method)}."
    if kind == "target_pfa":
        target = float(parameters.get("guard_band.target_pfa", "nan"))
        return (f"The guard band of each result is the one that keeps the probability of a "
                f"false accept at {format_trimmed(target * 100, 3)} % for the prior stated.")
    if kind == "width":
        return "The guard band is the width given for each result (see Decision details)."
    return f"Guard band: {kind}."


def decision_rule_sentences(content: CertificateContent) -> tuple[str, ...]:
    """Return the decision rule of the job as sentences a customer can read.

    The rule agreed for the job first, then the guard band, how a value on a limit is
    decided, and how the specific risk (and, with a prior, PFA and PFR) was computed.
    """
    rule = content.decision_rule.rule
    applied = _common(content)
    sentences = [_RULES.get(rule, f"Decision rule: {content.decision_rule.description}.")]
    guard = guard_band_sentence(applied)
    if guard and rule != "simple":
        sentences.append(guard)
    if applied.get("equality"):
        sentences.append(f"An error exactly on a limit counts as {_on_limit(applied)}.")
    if applied.get("measurement_distribution.kind", "normal") == "normal":
        distribution = "a normal distribution of the error with standard uncertainty U/k"
    else:
        distribution = (f"the distribution of the error recorded with each result "
                        f"({applied.get('measurement_distribution.kind')})")
    sentences.append(
        "The specific risk is the probability that the statement made for a result is "
        f"wrong, computed from {distribution} "
        f"({applied.get('risk_method', 'JCGM 106:2012')}).")
    if any(p.conformity is not None and p.conformity.pfa is not None for p in content.results):
        sentences.append("PFA and PFR are the global probabilities of a false accept and a "
                         "false reject, from the prior distribution of the item's errors "
                         "given with the job.")
    return tuple(sentences)


def _on_limit(parameters: Mapping[str, str]) -> str:
    """Return the equality convention as the end of a sentence."""
    text = parameters["equality"]
    return ("inside that limit" if "inside" in text else text.removeprefix(
        "a value exactly on a limit counts as "))


def coverage_sentence(content: CertificateContent) -> str:
    """Return the coverage factor as applied: one k for all results, or k per result.

    Each budget chose its own k from its effective degrees of freedom (JCGM 100:2008
    G.4), so a table whose k runs 1.96 to 2.23 must not be headed "k = 2".
    """
    ks = sorted({format_trimmed(p.k, 3) for p in content.results}, key=float)
    ps = sorted({p.coverage_probability for p in content.results})
    coverage = (f"a coverage probability of approximately {format_trimmed(ps[0] * 100, 3)} %"
                if len(ps) == 1 else "the coverage probability stated with each result")
    if len(ks) == 1:
        factor = f"the coverage factor k = {ks[0]}"
    else:
        factor = (f"the coverage factor k given with each result ({ks[0]} to {ks[-1]}, from "
                  "its effective degrees of freedom, JCGM 100:2008 G.4)")
    return (f"The reported expanded uncertainty U is the standard uncertainty of the error "
            f"multiplied by {factor}, which for a normal (t) distribution corresponds to "
            f"{coverage}. It was evaluated according "
            f"to JCGM 100:2008 (GUM).")
