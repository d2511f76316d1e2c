"""The short-time Fourier transform and its inverse: ``stft`` and ``istft``, as torch's.

Both are compositions of differentiable ops (padding, framing views, a window product, the
transforms of ``microtensor.fft``, an overlap-add by ``index_add``), so their gradients, second
derivatives included, follow from those ops.

``stft`` of a signal ``x`` (1-D, or 2-D with a batch dim) with a window ``w`` padded to ``n_fft``:
frame ``t`` is ``x[t * hop : t * hop + n_fft] * w`` (after padding ``x`` by ``n_fft // 2`` at both
ends when ``center``), and column ``t`` of the result is that frame's DFT (its first
``n_fft // 2 + 1`` bins when ``onesided``), scaled by ``n_fft ** -0.5`` when ``normalized``.
``istft`` inverts it: each column's inverse DFT times ``w``, overlap-added, divided by the
overlap-added ``w ** 2``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.tensor import Tensor

__all__ = ["istft", "stft"]


_KINDS = {"float32": "Float", "float64": "Double", "complex64": "ComplexFloat"}


def _kind(t: Tensor) -> str:
    return _KINDS.get(t._data.dtype.name, "ComplexDouble")


def _signature(op: str, x: Tensor, n_fft: int, hop: int, win: int, window: Any, extra: str) -> str:
    """Torch's prefix of stft/istft errors: the call with its resolved arguments."""
    shape = ", ".join(str(s) for s in x.shape)
    signal = f"torch.{_kind(x)}Tensor[{shape}]" if op == "stft" else f"CPU{_kind(x)}Type[{shape}]"
    if window is None:
        window_text = "None"
    else:
        window_text = f"torch.{_kind(window)}Tensor{{[{', '.join(map(str, window.shape))}]}}"
    return (
        f"{op}({signal}, n_fft={n_fft}, hop_length={hop}, win_length={win}, "
        f"window={window_text}, {extra})"
    )


def _window(window: Any, n_fft: int, win_length: int, like: Tensor) -> Tensor:
    """The window padded with zeros at both ends to ``n_fft`` (rectangular when None)."""
    from microtensor import creation

    if window is None:
        window = creation.ones(win_length, dtype=dtypes.from_numpy_dtype(like._data.real.dtype))
    if win_length < n_fft:
        from microtensor.nn import functional as F

        left = (n_fft - win_length) // 2
        window = F.pad(window, [left, n_fft - win_length - left])
    return window  # type: ignore[no-any-return]


def stft(
    input: Tensor,  # noqa: A002
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    pad_mode: str = "reflect",
    normalized: bool = False,
    onesided: bool | None = None,
    return_complex: bool | None = None,
    align_to_window: bool | None = None,
) -> Tensor:
    """Short-time Fourier transform: a ``(..., n_freq, n_frames)`` complex tensor.

    Args:
        input: a 1-D signal, or 2-D ``(batch, length)``; real or complex.
        n_fft: the size of each frame's Fourier transform.
        hop_length: the step between frames (default ``n_fft // 4``).
        win_length: the window's size (default ``n_fft``), centred in the frame.
        window: a 1-D tensor of ``win_length`` values (default: ones, with torch's warning).
        center: pad the signal by ``n_fft // 2`` at both ends so frame ``t`` is centred on
            sample ``t * hop_length``.
        pad_mode: ``F.pad``'s mode for that padding ("reflect", "constant", "replicate"...).
        normalized: scale by ``n_fft ** -0.5`` (an orthonormal transform).
        onesided: keep the ``n_fft // 2 + 1`` non-redundant bins (default for real input and
            window; a complex one has no redundancy).
        return_complex: must be given for a real input (torch's rule); False returns the real
            view, ``(..., n_freq, n_frames, 2)``, with torch's deprecation warning.
        align_to_window: accepted for torch's signature; only None or False are supported.

    Raises:
        RuntimeError: torch's errors for a bad rank, sizes, window or missing return_complex.

    Example:
        >>> import microtensor as mt
        >>> spec = mt.stft(mt.ones(64), 16, window=mt.hann_window(16), return_complex=True)
        >>> spec.shape, spec.dtype
        (microtensor.Size([9, 17]), microtensor.complex64)
    """
    from microtensor import fft
    from microtensor.nn import functional as F

    if not isinstance(input, Tensor):
        raise TypeError(f"stft(): argument 'input' must be Tensor, not {type(input).__name__}")
    is_complex = input._data.dtype.kind == "c" or (
        window is not None and window._data.dtype.kind == "c"
    )
    if return_complex is None:
        if not is_complex:
            raise RuntimeError(
                "stft requires the return_complex parameter be given for real inputs, and will "
                "further require that return_complex=True in a future PyTorch release."
            )
        return_complex = True
    if align_to_window:
        raise NotImplementedError("stft(): align_to_window=True is not supported by microtensor")
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if window is None:
        warnings.warn(
            "A window was not provided. A rectangular window will be applied,which is known to "
            "cause spectral leakage. Other windows such as torch.hann_window or "
            "torch.hamming_window are recommended to reduce spectral leakage.To suppress this "
            "warning and use a rectangular window, explicitly set `window=torch.ones(n_fft, "
            "device=<device>)`.",
            UserWarning,
            stacklevel=2,
        )
    x = input if input._data.dtype.kind in "fc" else input.to(dtypes.get_default_dtype())
    if center and x.dim() in (1, 2):
        pad = n_fft // 2
        batched = x.reshape((1,) * (3 - x.dim()) + tuple(x.shape))
        x = F.pad(batched, [pad, pad], mode=pad_mode).reshape(tuple(x.shape[:-1]) + (-1,))
    extra = (
        f"normalized={int(normalized)}, onesided={onesided}, return_complex={int(return_complex)}"
        f", align_to_window={align_to_window}"
    )
    where = _signature("stft", x, n_fft, hop, win, window, extra)
    if x.dim() not in (1, 2):
        raise RuntimeError(f"{where} : expected a 1D or 2D tensor")
    length = x.shape[-1]
    if not 0 < n_fft <= length:
        raise RuntimeError(f"{where} : expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop <= 0:
        raise RuntimeError(f"{where} : expected hop_length > 0, but got hop_length={hop}")
    if not 0 < win <= n_fft:
        raise RuntimeError(f"{where} : expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.dim() != 1 or window.shape[0] != win):
        raise RuntimeError(
            f"{where} : expected a 1D window tensor of size equal to win_length={win}, but got "
            f"window with size {list(window.shape)}"
        )
    if onesided is None:
        onesided = not is_complex
    elif onesided and is_complex:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    frames = x.unfold(-1, n_fft, hop) * _window(window, n_fft, win, x)  # (..., n_frames, n_fft)
    norm = "ortho" if normalized else "backward"
    spectrum = fft.rfft(frames, norm=norm) if onesided else fft.fft(frames, norm=norm)
    out = spectrum.transpose(-1, -2)  # (..., n_freq, n_frames)
    if not return_complex:
        warnings.warn(
            "stft with return_complex=False is deprecated. In a future pytorch release, stft "
            "will return complex tensors for all inputs, and return_complex=False will raise an "
            "error.\nNote: you can still call torch.view_as_real on the complex output to "
            "recover the old return format.",
            UserWarning,
            stacklevel=2,
        )
        from microtensor.ops.complex_numbers import view_as_real

        return view_as_real(out.contiguous())
    return out  # type: ignore[no-any-return]


def istft(
    input: Tensor,  # noqa: A002
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    normalized: bool = False,
    onesided: bool | None = None,
    length: int | None = None,
    return_complex: bool = False,
) -> Tensor:
    """Inverse short-time Fourier transform: the signal whose ``stft`` is ``input``.

    Args:
        input: a complex ``(n_freq, n_frames)`` or ``(batch, n_freq, n_frames)`` tensor.
        n_fft: the frames' transform size given to ``stft``.
        hop_length: the step between frames (default ``n_fft // 4``).
        win_length: the window's size (default ``n_fft``).
        window: the window given to ``stft`` (default: ones, with torch's warning).
        center: whether ``stft`` padded the signal (its padding is trimmed off).
        normalized: whether ``stft`` scaled by ``n_fft ** -0.5``.
        onesided: whether ``input`` holds ``n_fft // 2 + 1`` bins (default: inferred from
            its size).
        length: the signal's length (trims or zero-pads the end).
        return_complex: return a complex signal (needs ``onesided=False``).

    Raises:
        RuntimeError: torch's errors, including when the window's overlap-add is zero
            somewhere (the inversion would divide by 0).

    Example:
        >>> import microtensor as mt
        >>> x, w = mt.arange(64.0), mt.hann_window(16)
        >>> y = mt.istft(mt.stft(x, 16, window=w, return_complex=True), 16, window=w)
        >>> bool(mt.allclose(x, y, atol=1e-4))
        True
    """
    from microtensor import creation, fft

    if not isinstance(input, Tensor):
        raise TypeError(f"istft(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input._data.dtype.kind != "c":
        raise RuntimeError(
            "istft requires a complex-valued input tensor matching the output from stft with "
            "return_complex=True."
        )
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if window is None:
        warnings.warn(
            "A window was not provided. A rectangular window will be applied.Please provide the "
            "same window used by stft to make the inversion lossless.To suppress this warning and "
            "use a rectangular window, explicitly set `window=torch.ones(n_fft, device=<device>)`.",
            UserWarning,
            stacklevel=2,
        )
    extra = (
        f"center={int(center)}, normalized={int(normalized)}, onesided={onesided}, "
        f"length={length}, return_complex={int(return_complex)}"
    )
    where = _signature("istft", input, n_fft, hop, win, window, extra)
    if input.dim() not in (2, 3):
        raise RuntimeError(f"{where} : expected a tensor with 2 or 3 dimensions of complex dtype")
    n_freq, n_frames = input.shape[-2], input.shape[-1]
    if onesided is None:
        onesided = n_freq != n_fft
    if onesided and n_freq != n_fft // 2 + 1:
        raise RuntimeError(
            f"{where} : expected the frequency dimension (3rd to the last) of the input tensor to "
            f"match n_fft / 2 + 1 when onesided=True, but got {n_freq}"
        )
    if not onesided and n_freq != n_fft:
        raise RuntimeError(
            f"{where} : expected the frequency dimension (3rd to the last) of the input tensor to "
            f"match n_fft when onesided=False, but got {n_freq}"
        )
    if return_complex and onesided:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    if not 0 < win <= n_fft:
        raise RuntimeError(f"{where} : expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.dim() != 1 or window.shape[0] != win):
        raise RuntimeError(
            f"{where} : Invalid window shape. window has to be 1D and length of `win_length`"
        )
    w = _window(window, n_fft, win, input)
    norm = "ortho" if normalized else "backward"
    columns = input.transpose(-1, -2)  # (..., n_frames, n_freq)
    if return_complex:
        frames = fft.ifft(columns, norm=norm)
    else:  # a real signal: torch keeps the non-redundant bins of a two-sided input, as irfft
        half = columns if onesided else columns[..., : n_fft // 2 + 1]
        frames = fft.irfft(half, n=n_fft, norm=norm)
    frames = frames * w
    total = n_fft + hop * (n_frames - 1)
    positions = creation.tensor(
        (np.arange(n_frames)[:, None] * hop + np.arange(n_fft)[None, :]).reshape(-1)
    )
    batch = tuple(frames.shape[:-2])
    flat = frames.reshape(batch + (-1,))
    signal = creation.zeros(batch + (total,), dtype=flat.dtype).index_add(-1, positions, flat)
    square = w * w  # torch: window.pow(2), also for a complex window
    envelope = creation.zeros(total, dtype=square.dtype).index_add(
        0, positions, square.expand(n_frames, n_fft).reshape(-1)
    )
    start = n_fft // 2 if center else 0
    end = total - (n_fft // 2 if center else 0) if length is None else start + length
    end = min(end, total)
    signal, envelope = signal[..., start:end], envelope[start:end]
    if envelope.numel() and float(envelope.abs().min()) < 1e-11:
        raise RuntimeError(f"{where} window overlap add min: {float(envelope.abs().min()):g}")
    signal = signal / envelope
    if length is not None and signal.shape[-1] < length:
        from microtensor.nn import functional as F

        warnings.warn(
            "The length of signal is shorter than the length parameter. Result is being padded "
            "with zeros in the tail. Please check your center and hop_length settings.",
            UserWarning,
            stacklevel=2,
        )

        signal = F.pad(signal, [0, length - signal.shape[-1]])
    return signal  # type: ignore[no-any-return]
