"""Inert stand-in for the `imageio` package, which gymnasium/envs/mujoco/mujoco_rendering.py
imports at module level. mimic's fixture generator never renders, so any use raises."""


def __getattr__(name):
    raise AttributeError(
        f"imageio.{name}: mimic's imageio stand-in cannot render (scripts/gymnasium-reference/README.md)."
    )
