"""Interventions: each kind is one module with a config model and a class; `registry` lists them."""
