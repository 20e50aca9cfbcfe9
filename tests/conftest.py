"""Suite-wide settings.

The suite tests the *installed* package (CI installs it non-editable, so a wheel
that lacks ``metrolab.drivers`` or ``metrolab.procedures`` fails here). pytest
runs with ``--import-mode=importlib`` so the checkout is not put on sys.path;
``PYTHONSAFEPATH`` does the same for subprocesses started with
``python -m metrolab``, which would otherwise import the checkout's
``metrolab/`` folder (without ``drivers``) from the current directory.
"""

import os

os.environ["PYTHONSAFEPATH"] = "1"
