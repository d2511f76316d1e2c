"""``microtensor.func``: composable function transforms, as ``torch.func``.

``grad``, ``grad_and_value``, ``vjp``, ``jacrev`` (reverse mode), ``jvp``, ``linearize``,
``jacfwd``, ``hessian`` (forward mode by the double-vjp trick), ``vmap`` (a loop over slices)
and ``functional_call`` / ``stack_module_state`` for calling modules with given parameters.
They nest freely: ``vmap(grad(f))``, ``jacrev(jacrev(f))``, ``grad`` of ``functional_call``.
"""

from microtensor.func.forward import hessian, jacfwd, jvp, linearize
from microtensor.func.functional_call import functional_call, stack_module_state
from microtensor.func.reverse import grad, grad_and_value, jacrev, vjp
from microtensor.func.vmap import vmap

__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "linearize",
    "stack_module_state",
    "vjp",
    "vmap",
]
