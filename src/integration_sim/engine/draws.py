"""Uniform draws from a NumPy Generator's own stream, inside compiled kernels.

A kernel that draws its own uniforms saves the NumPy call, the array and the Python round
trip per draw; where how many to draw depends on earlier draws (cases, new ties), it lets
a week's passes be one call. The draws must stay those of ``Generator.random``, taken from
the generator's own state, so the stream continues in Python where the kernel stopped.
How a :class:`Stream` draws is chosen once, when it is made (``address[2]``):

* ``PCG64_INLINE``, for a bit generator that is exactly ``numpy.random.PCG64`` (every
  stream of :mod:`~integration_sim.engine.seeds`, and ``default_rng``): the kernel does
  NumPy's own arithmetic: the 128-bit LCG step state = state * multiplier + increment,
  then the XSL-RR output of the new state, then ``(next64 >> 11) * 2**-53``. It relies on
  NumPy's layout: ``bit_generator.ctypes.state_address`` points to a ``pcg64_state`` whose
  first field points to {state, increment}, two native 128-bit integers (low half first
  on little-endian machines); the rest of the struct (a half-used 32-bit draw) is NumPy's
  ``next_double`` leaves alone, and so do we. Why: inline, the step is a few multiplies
  the compiler keeps in registers, and :func:`fill` runs four steps side by side (jumping
  1, 2, 3 and 4 steps from one state), where a call per value waits for each step in turn:
  21,000 values take about 29 us instead of 46 us (``benchmarks/bench_draws.py``).
* ``CALL``, for any other bit generator: the kernel calls the bit generator's own
  ``next_double`` (the C function ``Generator.random`` calls for each value) through its
  address, on its state, so the values are NumPy's by construction.

Before the first inline stream of a process, :func:`inline_checked` draws 500 values
inline from a throwaway PCG64 and compares them and the state left with NumPy's; if they
differ (another byte order or layout, a NumPy that changed PCG64), every stream calls
``next_double`` instead: slower, never wrong.

numba can take a Generator as an argument and gives the same values, but finding its type
and unboxing it costs about 10 us per argument per call, more than a small place's whole
pass; a :class:`Stream` looks the addresses up once per run instead. numba's cache of a
kernel elsewhere does not notice a change here (:func:`uniform` is inlined into it): after
editing this module, clear the ``__pycache__`` ``*.nbi``/``*.nbc`` files.
"""

from __future__ import annotations

import ctypes
import threading

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

CALL, PCG64_INLINE = 0, 1  # how a stream's kernels draw: address[2]
MULTIPLIER = (2549297995355413924 << 64) + 4865540595714422341  # NumPy's PCG64 LCG multiplier


class Stream:
    """A Generator's addresses for kernels: ``address`` is uint64 [3] (its bit generator's
    ``next_double``, its state, and ``PCG64_INLINE`` or ``CALL``). Holds the generator, so
    the addresses stay valid while the stream is alive; draws in a kernel advance the
    generator itself."""

    def __init__(self, generator: np.random.Generator, inline: bool | None = None) -> None:
        self.generator = generator
        interface = generator.bit_generator.ctypes
        function = ctypes.cast(interface.next_double, ctypes.c_void_p).value
        if inline is None:
            inline = type(generator.bit_generator) is np.random.PCG64 and inline_checked()
        kind = PCG64_INLINE if inline else CALL
        self.address = np.array([function, interface.state_address, kind], dtype=np.uint64)


_RECENT: dict[int, Stream] = {}  # by id of the generator; each entry holds its generator
_KEEP = 64  # streams of a few models at once (a model draws from eight weekly streams)
_CHANGING = threading.Lock()  # models may run in threads of one worker (a Dask cluster's)


def address(generator: np.random.Generator) -> np.ndarray:
    """The kernels' address [3] of ``generator``'s stream, looked up once and kept for the
    recent generators (a kept entry holds its generator, so its id cannot be reused)."""
    stream = _RECENT.get(id(generator))
    if stream is None or stream.generator is not generator:
        stream = Stream(generator)
        with _CHANGING:
            if len(_RECENT) >= _KEEP:
                _RECENT.pop(next(iter(_RECENT)), None)  # the oldest
            _RECENT[id(generator)] = stream
    return stream.address


_INLINE_OK: list[bool] = []  # the check's verdict, once per process


def inline_checked() -> bool:
    """Whether inline PCG64 draws give NumPy's values and state here (checked once per
    process, on a throwaway PCG64)."""
    if not _INLINE_OK:
        seed = np.random.SeedSequence(20260101)
        pair = [np.random.Generator(np.random.PCG64(seed)) for _ in range(2)]
        _INLINE_OK.append(agrees(*pair))
    return _INLINE_OK[0]


def agrees(numpy_side: np.random.Generator, kernel_side: np.random.Generator) -> bool:
    """Whether 500 inline draws from ``kernel_side`` (single, then filled) equal
    ``numpy_side.random(500)`` and leave the same state (both PCG64, both advanced)."""
    stream = Stream(kernel_side, inline=True).address
    got = np.empty(500)
    _singles(stream, got[:250])
    fill(stream, got[250:])
    same_values = np.array_equal(numpy_side.random(500), got)
    return same_values and numpy_side.bit_generator.state == kernel_side.bit_generator.state


# Inline PCG64. A 128-bit number travels as its (low, high) uint64 halves, which LLVM joins
# into one i128 for the arithmetic: numba has no 128-bit type, but the halves stay in
# registers across a loop, where the state in memory would be stored and reloaded per value.
_U64 = types.uint64
_I64, _I128 = ir.IntType(64), ir.IntType(128)


def _halves_pointer(builder, state):
    """The pcg64_random_t {state, inc} of a ``pcg64_state*``: its first field, as uint64s
    (a native little-endian 128-bit integer is its low half, then its high half)."""
    return builder.load(builder.inttoptr(state, _I64.as_pointer().as_pointer()))


@intrinsic
def _pcg64_load(typingctx, state):
    """(state low, state high, inc low, inc high) of the ``pcg64_state`` at ``state``."""

    def codegen(context, builder, sig, args):
        pcg = _halves_pointer(builder, args[0])
        halves = [builder.load(builder.gep(pcg, [ir.Constant(_I64, k)])) for k in range(4)]
        return context.make_tuple(builder, sig.return_type, halves)

    return types.UniTuple(_U64, 4)(_U64), codegen


@intrinsic
def _pcg64_store(typingctx, state, low, high):
    """The LCG state (low, high) written back into the ``pcg64_state`` at ``state``."""

    def codegen(context, builder, sig, args):
        pcg = _halves_pointer(builder, args[0])
        builder.store(args[1], pcg)
        builder.store(args[2], builder.gep(pcg, [ir.Constant(_I64, 1)]))
        return context.get_dummy_value()

    return types.void(_U64, _U64, _U64), codegen


@intrinsic
def _affine(typingctx, low, high, a_low, a_high, c_low, c_high):
    """a * x + c modulo 2**128, each number as (low, high) halves: one LCG step, or
    (with a = multiplier**j and c the matching sum) j steps at once."""

    def codegen(context, builder, sig, args):
        def join(lo, hi):
            shifted = builder.shl(builder.zext(hi, _I128), ir.Constant(_I128, 64))
            return builder.or_(shifted, builder.zext(lo, _I128))

        x, a, c = join(*args[0:2]), join(*args[2:4]), join(*args[4:6])
        y = builder.add(builder.mul(a, x), c)
        halves = [
            builder.trunc(y, _I64),
            builder.trunc(builder.lshr(y, ir.Constant(_I128, 64)), _I64),
        ]
        return context.make_tuple(builder, sig.return_type, halves)

    return types.UniTuple(_U64, 2)(_U64, _U64, _U64, _U64, _U64, _U64), codegen


_M_LOW, _M_HIGH = np.uint64(MULTIPLIER & (2**64 - 1)), np.uint64(MULTIPLIER >> 64)
_ZERO = np.uint64(0)


@numba.njit(cache=True, inline="always")
def _double(state):
    """NumPy's PCG64 output of the stepped ``state`` (low, high): XSL-RR, high ^ low rotated
    right by the top 6 bits; then ``Generator.random``'s double, its top 53 bits * 2**-53."""
    low, high = state
    folded = low ^ high
    rotation = high >> np.uint64(58)
    next64 = (folded >> rotation) | (folded << ((np.uint64(64) - rotation) & np.uint64(63)))
    return np.float64(np.int64(next64 >> np.uint64(11))) * 2.0**-53  # < 2**53: exact


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
    """The next value of ``Generator.random()`` for the stream's address [3]."""
    if stream[2] == PCG64_INLINE:
        low, high, inc_low, inc_high = _pcg64_load(stream[1])
        low, high = _affine(low, high, _M_LOW, _M_HIGH, inc_low, inc_high)
        _pcg64_store(stream[1], low, high)
        return _double((low, high))
    return _call_next_double(stream[0], stream[1])


@numba.njit(cache=True)
def fill(stream, out):
    """``out`` (flat, in place) filled as ``Generator.random(out.size)`` would be."""
    if stream[2] == PCG64_INLINE:
        _fill_pcg64(stream[1], out)
    else:
        for i in range(out.size):
            out[i] = _call_next_double(stream[0], stream[1])


@numba.njit(cache=True, inline="always")
def _fill_pcg64(state, out):
    """PCG64's next ``out.size`` values, four at a time: x(n + j) = a_j x(n) + c_j for
    j = 1..4 are four independent multiplies (a_j = multiplier**j, c_j = the increment
    times 1 + multiplier + ... + multiplier**(j-1)), where one step after another would
    wait for each multiply in turn. The same states in the same order: NumPy's values."""
    low, high, c1_low, c1_high = _pcg64_load(state)
    a2_low, a2_high = _affine(_M_LOW, _M_HIGH, _M_LOW, _M_HIGH, _ZERO, _ZERO)
    a3_low, a3_high = _affine(a2_low, a2_high, _M_LOW, _M_HIGH, _ZERO, _ZERO)
    a4_low, a4_high = _affine(a3_low, a3_high, _M_LOW, _M_HIGH, _ZERO, _ZERO)
    c2_low, c2_high = _affine(c1_low, c1_high, _M_LOW, _M_HIGH, c1_low, c1_high)
    c3_low, c3_high = _affine(c2_low, c2_high, _M_LOW, _M_HIGH, c1_low, c1_high)
    c4_low, c4_high = _affine(c3_low, c3_high, _M_LOW, _M_HIGH, c1_low, c1_high)
    n, i = out.size, 0
    while i + 4 <= n:
        first = _affine(low, high, _M_LOW, _M_HIGH, c1_low, c1_high)
        second = _affine(low, high, a2_low, a2_high, c2_low, c2_high)
        third = _affine(low, high, a3_low, a3_high, c3_low, c3_high)
        low, high = _affine(low, high, a4_low, a4_high, c4_low, c4_high)
        out[i], out[i + 1] = _double(first), _double(second)
        out[i + 2], out[i + 3] = _double(third), _double((low, high))
        i += 4
    for j in range(i, n):
        low, high = _affine(low, high, _M_LOW, _M_HIGH, c1_low, c1_high)
        out[j] = _double((low, high))
    _pcg64_store(state, low, high)


@numba.njit(cache=True)
def _singles(stream, out):
    """``out`` drawn one :func:`uniform` at a time (as the kernels draw)."""
    for i in range(out.size):
        out[i] = uniform(stream)


@numba.njit(cache=True, inline="always")
def uniforms(stream, size):
    """A new array of ``size`` values, as ``Generator.random(size)`` would give them."""
    out = np.empty(size)
    fill(stream, out)
    return out
