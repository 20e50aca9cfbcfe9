"""metrolab: a calibration laboratory toolkit.

The public API is small and documented in the README. Submodules are imported on
first use so that ``import metrolab`` stays cheap.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
