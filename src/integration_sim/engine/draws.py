"""Uniform draws from a NumPy Generator's own stream, inside compiled kernels.

A kernel that draws its own uniforms saves the NumPy call, the array and the Python round
trip per draw; where how many to draw depends on earlier draws (cases, new ties), it lets
a week's passes be one call. The draws must stay those of ``Generator.random``, so the
kernel calls the generator's own C function (``next_double`` of its bit generator, the one
``Generator.random`` calls for every value it fills) on the generator's own state: the
values are NumPy's by construction, and the stream continues in Python where the kernel
stopped. numba can take a Generator as an argument and gives the same values, but finding
its type and unboxing it costs about 10 us per argument per call, more than a small
place's whole pass; a :class:`Stream` looks the addresses up once per run instead.
"""

from __future__ import annotations

import ctypes
import threading

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic


class Stream:
    """A Generator's ``next_double`` and state addresses, for kernels: ``address`` is
    uint64 [2] (function, state). Holds the generator, so the addresses stay valid while
    the stream is alive; draws in a kernel advance the generator itself."""

    def __init__(self, generator: np.random.Generator) -> None:
        self.generator = generator
        interface = generator.bit_generator.ctypes
        function = ctypes.cast(interface.next_double, ctypes.c_void_p).value
        self.address = np.array([function, interface.state_address], dtype=np.uint64)


_RECENT: dict[int, Stream] = {}  # by id of the generator; each entry holds its generator
_KEEP = 64  # streams of a few models at once (a model draws from eight weekly streams)
_CHANGING = threading.Lock()  # models may run in threads of one worker (a Dask cluster's)


def address(generator: np.random.Generator) -> np.ndarray:
    """The kernels' address [2] of ``generator``'s stream, looked up once and kept for the
    recent generators (a kept entry holds its generator, so its id cannot be reused)."""
    stream = _RECENT.get(id(generator))
    if stream is None or stream.generator is not generator:
        stream = Stream(generator)
        with _CHANGING:
            if len(_RECENT) >= _KEEP:
                _RECENT.pop(next(iter(_RECENT)), None)  # the oldest
            _RECENT[id(generator)] = stream
    return stream.address


@intrinsic
def _call_next_double(typingctx, function, state):
    """``function(state)`` for a C ``double (*)(void *)`` at address ``function``."""
    signature = types.float64(types.uint64, types.uint64)

    def codegen(context, builder, sig, args):
        void_pointer = ir.IntType(8).as_pointer()
        kind = ir.FunctionType(ir.DoubleType(), [void_pointer])
        target = builder.inttoptr(args[0], kind.as_pointer())
        return builder.call(target, [builder.inttoptr(args[1], void_pointer)])

    return signature, codegen


@numba.njit(cache=True, inline="always")
def uniform(stream):
    """The next value of ``Generator.random()`` for the stream's address [2]."""
    return _call_next_double(stream[0], stream[1])


@numba.njit(cache=True)
def fill(stream, out):
    """``out`` (flat, in place) filled as ``Generator.random(out.size)`` would be."""
    for i in range(out.size):
        out[i] = _call_next_double(stream[0], stream[1])


@numba.njit(cache=True, inline="always")
def uniforms(stream, size):
    """A new array of ``size`` values, as ``Generator.random(size)`` would give them."""
    out = np.empty(size)
    fill(stream, out)
    return out
