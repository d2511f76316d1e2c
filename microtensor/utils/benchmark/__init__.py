"""``microtensor.utils.benchmark``: time statements and compare the results (torch.utils.benchmark).

``Timer`` runs a statement (``timeit`` underneath) and returns a ``Measurement``; ``Compare``
prints many of them as tables. Import it as PyTorch's: ``import microtensor.utils.benchmark``
(or ``from microtensor.utils import benchmark``).
"""

from microtensor.utils.benchmark.common import (
    Measurement,
    TaskSpec,
    ordered_unique,
    select_unit,
    set_torch_threads,
    trim_sigfig,
    unit_to_english,
)
from microtensor.utils.benchmark.compare import Colorize, Compare
from microtensor.utils.benchmark.timer import Language, Timer, timer

__all__ = [
    "Colorize",
    "Compare",
    "Language",
    "Measurement",
    "TaskSpec",
    "Timer",
    "ordered_unique",
    "select_unit",
    "set_torch_threads",
    "timer",
    "trim_sigfig",
    "unit_to_english",
]
