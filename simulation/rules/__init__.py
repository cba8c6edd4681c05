"""The model's rules, one module per step of the weekly cycle; each is vectorized over clinicians or ties.

The plainest form of each rule, to read beside these: `simulation.reference.agents` (every rule of
the default "logit" choice per agent, with scalar arithmetic, as docs/MODEL.md states it) and
`simulation.reference.judgment` (peer judgment with one numpy draw per tie); tests compare the two.
"""
