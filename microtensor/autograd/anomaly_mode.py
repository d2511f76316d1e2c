"""``torch.autograd.anomaly_mode``'s import path: ``detect_anomaly`` and ``set_detect_anomaly``."""

from microtensor.autograd.anomaly import detect_anomaly, set_detect_anomaly

__all__ = ["detect_anomaly", "set_detect_anomaly"]
