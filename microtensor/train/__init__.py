"""Training conveniences (optional): ``fit`` runs the plain PyTorch-style loop, with callbacks.

Example:
    >>> import microtensor as mt
    >>> from microtensor.train import EarlyStopping, fit
    >>> _ = mt.manual_seed(0)
    >>> x = mt.randn(32, 2); y = x.sum(1, keepdim=True)
    >>> model = mt.nn.Linear(2, 1)
    >>> opt = mt.optim.SGD(model.parameters(), lr=0.1)
    >>> history = fit(model, mt.nn.MSELoss(), opt, (x, y), val_data=(x, y), epochs=5,
    ...               callbacks=[EarlyStopping(patience=2)], progress=False)
    >>> history.keys()
    ['loss', 'val_loss']
"""

from microtensor.train.callbacks import (
    Callback,
    EarlyStopping,
    LRSchedulerCallback,
    ModelCheckpoint,
    TensorBoard,
)
from microtensor.train.fit import History, accuracy, fit

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "LRSchedulerCallback",
    "ModelCheckpoint",
    "TensorBoard",
    "accuracy",
    "fit",
]
