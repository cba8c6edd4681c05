"""The three modes of AI use and the ranges of the clinicians' continuous state variables.

Imports nothing, so the scenario, the view and the reports can name modes without loading the model.
Modes are stored as int8 codes in `ClinicianState.mode`: 0 none, 1 verify (AI checks my decision),
2 primary (AI drives my decision); `MODE_NAMES[code]` is the name used in files and tables.
"""

NONE, VERIFY, PRIMARY = 0, 1, 2
MODE_NAMES = ("none", "verify", "primary")

# Allowed range of each continuous state variable (ClinicianState.bounds). Attitude and reputation are
# on the vignette study's 1-7 scale; literacy, trust and status concern are 0-1 scores; the two
# harshness multipliers scale a rater's penalty (1 = as in the vignette study); the cap of 2 is an
# assumption (no intervention more than doubles how harshly a rater judges).
BOUNDS = {
    "attitude": (1.0, 7.0),
    "reputation": (1.0, 7.0),
    "literacy": (0.0, 1.0),
    "trust": (0.0, 1.0),
    "status_concern": (0.0, 1.0),
    "harshness": (0.0, 2.0),
    "verify_harshness": (0.0, 2.0),
}
