"""Compiled (numba) loops behind the vectorized rules: counter-based random numbers (`random`),
passes over the ties (`arcs`) and over the clinicians (`clinicians`); `threads` sets how many cores
one model uses."""
