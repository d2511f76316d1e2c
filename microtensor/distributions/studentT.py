"""``torch.distributions.studentT``'s import path: ``StudentT`` lives in ``student_t``."""

from microtensor.distributions.student_t import StudentT

__all__ = ["StudentT"]
