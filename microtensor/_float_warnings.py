"""Quiet NumPy's floating-point warnings from inside microtensor, as torch computes quietly.

``torch.log(torch.tensor(0.0))`` is ``-inf`` and ``1 / torch.tensor(0.0)`` is ``inf``, with no
message: IEEE arithmetic, not an error. NumPy computes the same values but also prints
``RuntimeWarning: divide by zero encountered in log``, attributed to the microtensor line that
called the ufunc. One warnings filter, installed when microtensor is imported, ignores the
RuntimeWarnings attributed to microtensor's own modules, and only those: a user's own NumPy code
warns as before, and a filter the user installs later (``warnings.simplefilter("error")``, or
pytest's ``-W error``) comes first and still sees them.
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"microtensor(\.|$)")
