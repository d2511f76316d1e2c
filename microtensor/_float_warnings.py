"""Quiet NumPy's floating-point warnings from inside microtensor, as torch computes quietly.

``torch.log(torch.tensor(0.0))`` is ``-inf`` and ``1 / torch.tensor(0.0)`` is ``inf``, with no
message: IEEE arithmetic, not an error. NumPy computes the same values but also prints
``RuntimeWarning: divide by zero encountered in log``, attributed to the microtensor line that
called the ufunc. One warnings filter, installed when microtensor is imported, ignores the
RuntimeWarnings attributed to microtensor's own modules, and only those: a user's own NumPy code
warns as before, and a filter the user installs later (``warnings.simplefilter("error")``, or
pytest's ``-W error``) comes first and still sees them.

``user_stacklevel`` serves the warnings microtensor itself gives (torch's): they name the
user's line that called into microtensor, however deep inside the warning was raised.
"""

from __future__ import annotations

import os
import sys
import warnings

warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"microtensor(\.|$)")


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_stacklevel() -> int:
    """``stacklevel`` for ``warnings.warn`` that points at the first caller outside microtensor."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level
