"""Inert stand-in for the `glfw` package, which gymnasium/envs/mujoco/mujoco_rendering.py imports
at module level. mimic's fixture generator never renders, so any use raises."""


def __getattr__(name):
    raise AttributeError(
        f"glfw.{name}: mimic's glfw stand-in cannot render (scripts/gymnasium-reference/README.md)."
    )
