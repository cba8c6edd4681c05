"""The model's rules, one module per step of the weekly cycle; each is vectorized over clinicians or ties."""
