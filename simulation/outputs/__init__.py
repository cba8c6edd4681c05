"""Output writers: plots and the markdown report."""
