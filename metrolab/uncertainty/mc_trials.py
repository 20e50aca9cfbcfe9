"""Monte Carlo trials: input draws and model values, chunk by chunk, and again on demand.

A :class:`TrialStream` draws the inputs of a prepared model from one seeded generator
(numpy PCG64) in chunks, evaluates the model on each chunk and refuses a NaN or an
infinite output at once, naming the output, the trial and the drawn input values. It
records the size of every chunk it drew, so :meth:`TrialStream.replay` can draw exactly
the same trials again from the seed: the large-trial path of the coverage intervals
(:mod:`metrolab.uncertainty.orderstats`) uses this instead of keeping the values.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from metrolab.uncertainty.errors import NonFiniteOutputError
from metrolab.uncertainty.gum import correlated_blocks
from metrolab.uncertainty.prepare import Prepared, base_scale
from metrolab.uncertainty.results import unit_text


class Sampler:
    """Draws chunks of input samples (working units), correlated blocks via a Gaussian copula."""

    def __init__(self, prep: Prepared, rng: np.random.Generator) -> None:
        self.prep = prep
        self.rng = rng
        self.blocks = correlated_blocks(len(prep.names), prep.correlation)
        self.roots: dict[int, np.ndarray] = {}
        corr = prep.correlation
        for b, members in enumerate(self.blocks):
            if len(members) > 1 and corr is not None:
                sub = corr[np.ix_(members, members)]
                w, v = np.linalg.eigh(sub)
                self.roots[b] = v * np.sqrt(np.clip(w, 0.0, None))

    def draw(self, count: int) -> list[np.ndarray]:
        """Return one array of ``count`` x points samples per input (working units)."""
        prep, shape = self.prep, self.prep.shape
        samples: list[np.ndarray] = [np.empty(0)] * len(prep.names)
        for b, members in enumerate(self.blocks):
            if len(members) == 1:
                i = members[0]
                dist = prep.inputs[i].distribution
                samples[i] = dist.draw(self.rng, prep.x[i], prep.u[i], (count, *shape))
                continue
            from scipy.special import ndtr

            normal = self.rng.standard_normal((count, *shape, len(members))) @ self.roots[b].T
            for col, i in enumerate(members):
                dist = prep.inputs[i].distribution
                z = normal[..., col]
                if not dist.is_normal:
                    z = dist.ppf(np.clip(ndtr(z), 1e-300, 1.0 - 1e-16))
                samples[i] = prep.x[i] + prep.u[i] * z
        return samples


class TrialStream:
    """The trials of one Monte Carlo run: drawn in chunks of at most ``chunk`` trials.

    :meth:`draw` yields model values of shape (outputs, trials, *points) in working
    units; :meth:`replay` yields the same values again, chunk for chunk.
    """

    def __init__(self, prep: Prepared, seed: int, chunk: int) -> None:
        self.prep, self.seed, self.chunk = prep, seed, chunk
        self.sampler = Sampler(prep, np.random.default_rng(seed))
        self.sizes: list[int] = []
        self.drawn = 0

    def draw(self, count: int) -> Iterator[np.ndarray]:
        """Yield the model values of the next ``count`` trials, chunk by chunk."""
        done = 0
        while done < count:
            size = min(self.chunk, count - done)
            samples = self.sampler.draw(size)
            self.sizes.append(size)
            values = model_values(self.prep, samples, self.drawn, self.seed)
            del samples  # not held while the caller works on the values
            self.drawn += size
            done += size
            yield values

    def replay(self) -> Iterator[np.ndarray]:
        """Yield the model values of every trial drawn so far again, in the same chunks."""
        sampler = Sampler(self.prep, np.random.default_rng(self.seed))
        first = 0
        for size in self.sizes:
            yield model_values(self.prep, sampler.draw(size), first, self.seed)
            first += size


def model_values(prep: Prepared, samples: list[np.ndarray], first: int, seed: int) -> np.ndarray:
    """Return the model outputs of one chunk, shape (m, trials, *points), working units.

    Raises :class:`NonFiniteOutputError` for the first NaN or infinite value, naming the
    output, the trial (``first`` is the number of the chunk's first trial) and the inputs.
    """
    count = samples[0].shape[0] if samples else 1
    with np.errstate(all="ignore"):
        out = prep.model(*samples)
    values = np.stack([np.broadcast_to(o, (count, *prep.shape)) for o in out])
    if not np.isfinite(values).all():
        raise _non_finite(prep, samples, values, first, seed)
    return values


def _non_finite(
    prep: Prepared, samples: list[np.ndarray], values: np.ndarray, first: int, seed: int
) -> NonFiniteOutputError:
    """Return the error for the first non-finite value of a chunk of model outputs."""
    where = tuple(int(i) for i in np.argwhere(~np.isfinite(values))[0])
    k, trial, point = where[0], where[1], where[2:]
    drawn: dict[str, float] = {}
    shown = []
    for name, inp, sample in zip(prep.names, prep.inputs, samples, strict=True):
        scale, offset = base_scale(inp.unit)
        value = (float(np.broadcast_to(sample, values.shape[1:])[(trial, *point)]) - offset) / scale
        drawn[name] = value
        unit = unit_text(inp.unit)
        shown.append(f"{name} = {value:.9g}" + (f" {unit}" if unit else ""))
    bad = float(values[where])
    output = prep.out_names[k]
    at = f" at test point {point}" if point else ""
    message = (
        f"Monte Carlo: output {output!r} is {bad} for trial {first + trial} (seed {seed}){at}, "
        f"drawn {', '.join(shown)}: the model is not defined for every value the input "
        "distributions give (a square root or logarithm of a negative draw, a division by "
        "zero); narrow those distributions or write the model so it holds over their range"
    )
    return NonFiniteOutputError(
        message, output=output, trial=first + trial, point=point or None, inputs=drawn
    )
