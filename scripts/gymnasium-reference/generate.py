"""Writes test/fixtures/gymnasium-mujoco/<id>.json: trajectories of Python Gymnasium's own v5 MuJoCo
envs (InvertedPendulum, Hopper, HalfCheetah, Walker2d, Ant), for test/gymnasium-mujoco.test.ts.

Gymnasium's code runs unmodified from a checkout; only the `mujoco` package underneath it is
mimic's stand-in (stand-ins/mujoco: ctypes over Debian's native MuJoCo 2.2.2 C library, not the
MuJoCo 3.x wheel that `pip install gymnasium[mujoco]` brings). See README.md beside this file.

    apt-get install gcc libmujoco-dev python3-cloudpickle python3-typing-extensions python3-packaging
    git clone https://github.com/Farama-Foundation/Gymnasium /tmp/gym-src
    python3 scripts/gymnasium-reference/generate.py --gymnasium /tmp/gym-src

For each env and seed 0-2: `env = gymnasium.make(id)`, `env.reset(seed=seed)`, then uniform random
actions `numpy.random.default_rng(seed + 1000).uniform(low, high).astype(float32)` until the env
terminates; then `env.reset()` (no seed: np_random goes on) and more episodes, until the seed's
step budget is spent. Recorded per step: the observation, reward, terminated, truncated, the
numeric info values, and qpos, qvel and qacc_warmstart from `env.unwrapped.data` (Ant also its
main body's xpos), so a test can start one step from Gymnasium's own state. Python's json writes
floats as their shortest round-trip decimal, so every float64 survives.
"""

import argparse
import importlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # leave no __pycache__ in the stand-ins or the Gymnasium checkout

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SEEDS = [0, 1, 2]
# id -> env steps recorded per seed (fewer for the larger observations, to keep the files small).
ENVS = {
    "InvertedPendulum-v5": 100,
    "Hopper-v5": 100,
    "HalfCheetah-v5": 100,
    "Walker2d-v5": 100,
    "Ant-v5": 50,
}
# Pure-Python dependencies of Gymnasium, taken from Debian's packages when this Python lacks them.
DEBIAN_DIST = pathlib.Path("/usr/lib/python3/dist-packages")
PURE_PYTHON_DEPS = {
    "cloudpickle": "cloudpickle",
    "typing_extensions": "typing_extensions.py",
    "packaging": "packaging",
}


def fail(message):
    print(f"generate.py: {message}", file=sys.stderr)
    sys.exit(1)


def build_shim(workdir):
    """Compiles stand-ins/mujoco/shim.c against libmujoco; returns the shared library's path."""
    out = workdir / "libmimic_mujoco_shim.so"
    source = HERE / "stand-ins" / "mujoco" / "shim.c"
    try:
        subprocess.run(
            ["gcc", "-O2", "-shared", "-fPIC", "-o", str(out), str(source), "-lmujoco"], check=True
        )
    except (OSError, subprocess.CalledProcessError) as error:
        fail(f"could not compile {source} ({error}); install gcc and libmujoco-dev.")
    return out


def link_pure_python_deps(workdir):
    """A folder holding links to Debian's copies of the pure-Python deps this Python lacks."""
    folder = workdir / "debian-deps"
    folder.mkdir()
    for module, entry in PURE_PYTHON_DEPS.items():
        try:
            importlib.import_module(module)
            continue
        except ImportError:
            pass
        source = DEBIAN_DIST / entry
        if not source.exists():
            fail(f"{module} is missing; apt-get install python3-{module.replace('_', '-')}.")
        (folder / entry).symlink_to(source)
    return folder


def gymnasium_commit(checkout, given):
    if given:
        return given
    try:
        return subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        fail(f"{checkout} is not a git checkout: pass the commit it came from with --commit.")


def numeric_info(info):
    """The info values that are numbers (as floats), by key."""
    import numpy as np

    return {
        key: float(value)
        for key, value in info.items()
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    }


def floats(array):
    return [float(x) for x in array]


def record_run(gymnasium, np, env_id, seed, budget):
    """Episodes of one env from reset(seed=seed) on, `budget` steps in all.

    After a termination the env is reset without a seed (its np_random continues, as in any
    Gymnasium loop) and the same action generator goes on, until the budget is spent.
    """
    env = gymnasium.make(env_id)
    unwrapped = env.unwrapped
    data = unwrapped.data
    main_body = getattr(unwrapped, "_main_body", None) if env_id.startswith("Ant") else None
    space = env.action_space
    rng = np.random.default_rng(seed + 1000)
    episodes = []
    steps = 0
    while steps < budget:
        reset_seed = seed if not episodes else None
        obs, info = env.reset(seed=reset_seed)
        episode = {
            "seed": seed,
            "reset_seed": reset_seed,
            "reset_obs": floats(obs),
            "reset_info": numeric_info(info),
            "qpos0": floats(data.qpos),
            "qvel0": floats(data.qvel),
            "qacc_warmstart0": floats(data.qacc_warmstart),
            "actions": [],
            "obs": [],
            "reward": [],
            "terminated": [],
            "truncated": [],
            "info": [],
            "qpos": [],
            "qvel": [],
            "qacc_warmstart": [],
        }
        if main_body is not None:
            episode["main_body_xpos0"] = floats(data.body(main_body).xpos)
            episode["main_body_xpos"] = []
        episodes.append(episode)
        while steps < budget:
            action = rng.uniform(space.low, space.high).astype(np.float32)
            obs, reward, terminated, truncated, info = env.step(action)
            steps += 1
            episode["actions"].append(floats(action))
            episode["obs"].append(floats(obs))
            episode["reward"].append(float(reward))
            episode["terminated"].append(bool(terminated))
            episode["truncated"].append(bool(truncated))
            episode["info"].append(numeric_info(info))
            episode["qpos"].append(floats(data.qpos))
            episode["qvel"].append(floats(data.qvel))
            episode["qacc_warmstart"].append(floats(data.qacc_warmstart))
            if main_body is not None:
                episode["main_body_xpos"].append(floats(data.body(main_body).xpos))
            if terminated or truncated:
                break
    spec = {
        "frame_skip": unwrapped.frame_skip,
        "xml": os.path.basename(unwrapped.fullpath),
        "obs_dtype": str(env.observation_space.dtype),
    }
    if main_body is not None:
        spec["main_body"] = main_body
    env.close()
    return spec, episodes


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--gymnasium", required=True, help="a Gymnasium checkout (the folder holding gymnasium/)"
    )
    parser.add_argument("--commit", help="the checkout's commit, when it is not a git work tree")
    parser.add_argument("--out", default=str(ROOT / "test" / "fixtures" / "gymnasium-mujoco"))
    args = parser.parse_args()

    checkout = pathlib.Path(args.gymnasium).resolve()
    if not (checkout / "gymnasium" / "envs" / "mujoco" / "mujoco_env.py").exists():
        fail(f"{checkout} holds no gymnasium/envs/mujoco/mujoco_env.py: pass a Gymnasium checkout.")
    commit = gymnasium_commit(checkout, args.commit)

    import numpy as np

    if int(np.__version__.split(".")[0]) < 2:
        fail(
            f"numpy {np.__version__}: use numpy 2, whose float32 rules (NEP 50) mimic's envs follow "
            "(numpy 1 computes the control cost's last product in float64)."
        )

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="mimic-gymnasium-"))
    os.environ["MIMIC_MUJOCO_SHIM"] = str(build_shim(workdir))
    sys.path[:0] = [str(HERE / "stand-ins"), str(checkout), str(link_pure_python_deps(workdir))]

    import gymnasium
    import mujoco

    # The right packages, not some other installed copy.
    assert pathlib.Path(gymnasium.__file__).resolve().is_relative_to(checkout), gymnasium.__file__
    assert pathlib.Path(mujoco.__file__).resolve().is_relative_to(HERE), mujoco.__file__

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for env_id, max_steps in ENVS.items():
        episodes = []
        spec = None
        for seed in SEEDS:
            spec, run = record_run(gymnasium, np, env_id, seed, max_steps)
            episodes.extend(run)
        fixture = {
            "env": env_id,
            **spec,
            "gymnasium_version": gymnasium.__version__,
            "gymnasium_commit": commit,
            "numpy_version": np.__version__,
            "python_version": sys.version.split()[0],
            "mujoco_version": mujoco.__version__,
            "mujoco_binding": (
                "mimic's stand-in (scripts/gymnasium-reference/stand-ins/mujoco) over the native C library"
            ),
            "actions": (
                "numpy.random.default_rng(seed + 1000)"
                ".uniform(action_space.low, action_space.high).astype(float32)"
            ),
            "steps_per_seed": max_steps,
            "episodes": episodes,
        }
        path = out / f"{env_id}.json"
        path.write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
        lengths = ", ".join(f"{e['seed']}:{len(e['actions'])}" for e in episodes)
        print(f"{path}: episode lengths (seed:steps) {lengths}; {path.stat().st_size} bytes")
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
