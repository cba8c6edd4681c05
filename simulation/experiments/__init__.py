"""Experiments on one scenario file: parameter sweeps (`[sweep]`) and sensitivity analysis (`[sensitivity]`)."""
