"""Compiled kernels of the weekly step: fused loops over citizens (rules: :mod:`cosim.jit`).

One module per stage module (``access``, ``participation``, ``services``,
``trust``); a stage calls its kernels instead of a chain of NumPy calls, and
``tests/test_kernels_<module>.py`` checks each against the mechanism functions it fuses.
"""
