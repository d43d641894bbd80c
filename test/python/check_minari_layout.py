"""Python's side of test/h5py-interop.test.ts, run with /usr/bin/python3 and Debian's python3-h5py.

    check_minari_layout.py check <dataset_dir>
        Opens <dataset_dir>/data/main_data.hdf5 with h5py and checks it against Minari's layout
        (minari/dataset/_storages/hdf5_storage.py, minari/dataset/minari_storage.py): the groups,
        dtypes, shapes, chunks and attributes, and that metadata.json is exactly what json.dump
        writes. A Dict or Tuple observation space is checked leaf by leaf under observations/
        (a Dict key or _index_<i> per level). Prints {"problems": [...], "metadata": ...,
        "episodes": [...]} as JSON, with the values as Python reads them (a composite episode's
        observations keyed by leaf path) and each dataset's [compression, compression_opts].

    check_minari_layout.py write <dataset_dir> <variant>
        Writes a dataset the way Minari 0.5 does (create_dataset_from_buffers plus DataCollector's
        episode statistics): bool flags, int64 Discrete actions, float32 observations, chunked
        datasets with maxshape (None, ...), and metadata.json with json.dumps'd spaces (Infinity
        included). variant "cartpole" is a faithful CartPole-v1 dataset. Variant "dict" has a Dict observation space
        (uint8 image, float32 state, and a Tuple of a Box and a Discrete) stored as Minari's
        HDF5Storage nests it: observations/ a group, pair/_index_0 and pair/_index_1. Variant "gaps" is a
        Pendulum-like dataset with episode ids 0, 3 and 7, a uint64 seed and infos. Prints the
        values it wrote as JSON.
"""

import json
import os
import sys

import h5py
import numpy as np
from h5py._hl.filters import guess_chunk


def serialize_box(low, high, dtype):
    # minari/serialization.py _serialize_box
    low = np.asarray(low, dtype=dtype)
    high = np.asarray(high, dtype=dtype)
    return json.dumps(
        {"type": "Box", "dtype": str(low.dtype), "shape": list(low.shape), "low": low.tolist(), "high": high.tolist()}
    )


def serialize_discrete(n, start=0):
    return json.dumps({"type": "Discrete", "dtype": "int64", "start": int(start), "n": int(n)})


def reserialize_dict(space):
    """serialize_space(deserialize_space(s), to_string=False), without gymnasium."""
    if space["type"] == "Box":
        return json.loads(serialize_box(space["low"], space["high"], space["dtype"]))
    if space["type"] == "Discrete":
        return json.loads(serialize_discrete(space["n"], space["start"]))
    if space["type"] == "Dict":
        # gymnasium.spaces.Dict sorts the keys of a plain mapping.
        return {
            "type": "Dict",
            "subspaces": {key: reserialize_dict(space["subspaces"][key]) for key in sorted(space["subspaces"])},
        }
    if space["type"] == "Tuple":
        return {"type": "Tuple", "subspaces": [reserialize_dict(sub) for sub in space["subspaces"]]}
    return space


def reserialize(space_string):
    """serialize_space(deserialize_space(s)), without gymnasium."""
    space = json.loads(space_string)
    if space["type"] in ("Box", "Discrete", "Dict", "Tuple"):
        return json.dumps(reserialize_dict(space))
    return space_string


def leaf_dtype_and_shape(space):
    if space["type"] == "Box":
        return space["dtype"], tuple(space["shape"])
    if space["type"] == "Discrete":
        return "int64", ()
    if space["type"] == "MultiDiscrete":
        return space["dtype"], (len(space["nvec"]),)
    if space["type"] == "MultiBinary":
        n = space["n"]
        return "int8", tuple(n) if isinstance(n, list) else (n,)
    raise ValueError(space["type"])


def space_leaves(space, prefix=""):
    """[(path, dtype, shape)] as Minari's HDF5 storage nests them: a Dict key or Tuple _index_<i> per level."""
    if space["type"] == "Dict":
        return [
            leaf
            for key in sorted(space["subspaces"])
            for leaf in space_leaves(space["subspaces"][key], f"{prefix}/{key}" if prefix else key)
        ]
    if space["type"] == "Tuple":
        return [
            leaf
            for i, sub in enumerate(space["subspaces"])
            for leaf in space_leaves(sub, f"{prefix}/_index_{i}" if prefix else f"_index_{i}")
        ]
    return [(prefix, *leaf_dtype_and_shape(space))]


def space_dtype_and_shape(space_string):
    return leaf_dtype_and_shape(json.loads(space_string))


def check(dataset_dir):
    problems = []

    def expect(condition, message):
        if not condition:
            problems.append(message)

    with open(f"{dataset_dir}/data/metadata.json") as f:
        text = f.read()
    metadata = json.loads(text)
    if os.path.exists(f"{dataset_dir}/metadata.json"):
        with open(f"{dataset_dir}/metadata.json") as f:
            expect(f.read() == text, "metadata.json at the top differs from data/metadata.json")
    expect(json.dumps(metadata) == text, "metadata.json is not byte-for-byte what json.dump writes")
    for key in ("observation_space", "action_space"):
        expect(reserialize(metadata[key]) == metadata[key], f"{key} is not what serialize_space writes")
    if "env_spec" in metadata:
        env_spec = json.loads(metadata["env_spec"])
        expect(json.dumps(env_spec) == metadata["env_spec"], "env_spec is not what EnvSpec.to_json writes")
        expect(
            list(env_spec)
            == [
                "id",
                "entry_point",
                "reward_threshold",
                "nondeterministic",
                "max_episode_steps",
                "order_enforce",
                "disable_env_checker",
                "kwargs",
                "additional_wrappers",
                "vector_entry_point",
            ],
            f"env_spec keys {list(env_spec)}",
        )
    for key in ("dataset_id", "total_episodes", "total_steps", "data_format", "minari_version"):
        expect(key in metadata, f"metadata.json lacks {key}")
    expect(metadata.get("data_format") == "hdf5", "data_format is not hdf5")

    obs_leaves = space_leaves(json.loads(metadata["observation_space"]))
    act_dtype, act_shape = space_dtype_and_shape(metadata["action_space"])
    episodes = []
    total_steps = 0
    with h5py.File(f"{dataset_dir}/data/main_data.hdf5", "r") as file:
        names = list(file.keys())
        expect(
            sorted(names) == sorted(f"episode_{i}" for i in range(metadata["total_episodes"])),
            f"groups {names} are not episode_0 … episode_{metadata['total_episodes'] - 1}",
        )
        for i in range(metadata["total_episodes"]):
            group = file[f"episode_{i}"]
            expect(isinstance(group, h5py.Group), f"episode_{i} is not a group")
            expect(
                set(group.keys()) == {"observations", "actions", "rewards", "terminations", "truncations", "infos"},
                f"episode_{i} holds {sorted(group.keys())}",
            )
            T = int(group.attrs["total_steps"])
            total_steps += T
            expect(int(group.attrs["id"]) == i, f"episode_{i} has id attribute {group.attrs['id']}")
            expect(group.attrs["id"].dtype == np.int64, "id attribute is not int64")
            expect(group.attrs["total_steps"].dtype == np.int64, "total_steps attribute is not int64")
            rewards = group["rewards"][()]
            for stat, value in {
                "rewards_sum": rewards.sum(),
                "rewards_mean": rewards.mean(),
                "rewards_std": rewards.std(),
                "rewards_max": rewards.max(),
                "rewards_min": rewards.min(),
            }.items():
                got = group.attrs[stat]
                expect(
                    np.isclose(got, value, rtol=1e-12, atol=1e-12, equal_nan=True),
                    f"episode_{i} {stat} is {got}, numpy says {value}",
                )
            composite = obs_leaves[0][0] != ""
            expected = {
                ("observations/" + path if composite else "observations"): (dtype, (T + 1, *shape))
                for path, dtype, shape in obs_leaves
            }
            if composite:
                expect(isinstance(group["observations"], h5py.Group), f"episode_{i}/observations is not a group")
                seen = []
                group["observations"].visititems(
                    lambda name, obj: seen.append(name) if isinstance(obj, h5py.Dataset) else None
                )
                expect(
                    sorted(seen) == sorted(path for path, _, _ in obs_leaves),
                    f"episode_{i}/observations holds {sorted(seen)}",
                )
            expected.update({
                "actions": (act_dtype, (T, *act_shape)),
                "rewards": ("float64", (T,)),
                "terminations": ("int8", (T,)),
                "truncations": ("int8", (T,)),
            })
            filters = {}
            for key, (dtype, shape) in expected.items():
                data = group[key]
                expect(str(data.dtype) == dtype, f"episode_{i}/{key} is {data.dtype}, expected {dtype}")
                expect(data.shape == shape, f"episode_{i}/{key} has shape {data.shape}, expected {shape}")
                expect(data.maxshape == (None, *shape[1:]), f"episode_{i}/{key} has maxshape {data.maxshape}")
                expect(
                    data.chunks == guess_chunk(shape, data.maxshape, data.dtype.itemsize),
                    f"episode_{i}/{key} has chunks {data.chunks}, h5py would pick "
                    f"{guess_chunk(shape, data.maxshape, data.dtype.itemsize)}",
                )
                filters[key] = [data.compression, data.compression_opts]
            for key in ("terminations", "truncations"):
                flags = group[key][()]
                expect(not flags[:-1].any(), f"episode_{i}/{key} is set before the last step")
            infos = {}
            group["infos"].visititems(
                lambda name, obj: infos.__setitem__(name, obj[()].tolist()) if isinstance(obj, h5py.Dataset) else None
            )
            episodes.append(
                {
                    "id": int(group.attrs["id"]),
                    "seed": int(group.attrs["seed"]) if "seed" in group.attrs else None,
                    "observations": (
                        {path: group["observations/" + path][()].tolist() for path, _, _ in obs_leaves}
                        if composite
                        else group["observations"][()].tolist()
                    ),
                    "filters": filters,
                    "actions": group["actions"][()].tolist(),
                    "rewards": rewards.tolist(),
                    "terminations": group["terminations"][()].astype(bool).tolist(),
                    "truncations": group["truncations"][()].astype(bool).tolist(),
                    "infos": infos,
                }
            )
    expect(total_steps == metadata["total_steps"], f"total_steps {metadata['total_steps']} != {total_steps}")
    print(json.dumps({"problems": problems, "metadata": metadata, "episodes": episodes}))


def add_to_group(group, buffer):
    """As _add_episode_to_group: a dict becomes a group, a tuple a group of _index_<i>, arrays datasets."""
    for key, data in buffer.items():
        if isinstance(data, dict):
            add_to_group(group.create_group(key), data)
        elif isinstance(data, tuple):
            add_to_group(group.create_group(key), {f"_index_{i}": sub for i, sub in enumerate(data)})
        else:
            dshape = data[0].shape if hasattr(data[0], "shape") else ()
            group.create_dataset(key, data=data, chunks=True, maxshape=(None, *dshape))


def add_episode(file, episode_id, seed, observations, actions, rewards, terminations, truncations, infos=None):
    """As HDF5Storage.update_episodes and _add_episode_to_group write one EpisodeBuffer."""
    group = file.create_group(f"episode_{episode_id}")
    group.attrs["id"] = episode_id
    if seed is not None:
        group.attrs["seed"] = seed
    group.attrs["total_steps"] = len(rewards)
    add_to_group(
        group,
        {
            "observations": observations,
            "actions": actions,
            "rewards": rewards,
            "terminations": terminations,
            "truncations": truncations,
        },
    )
    if infos is not None:
        info_group = group.create_group("infos")
        for key, data in infos.items():
            dtype = h5py.string_dtype(encoding="utf-8") if all(isinstance(d, str) for d in data) else None
            dshape = data[0].shape if hasattr(data[0], "shape") else ()
            info_group.create_dataset(key, data=data, dtype=dtype, chunks=True, maxshape=(None, *dshape))
    # DataCollector's EpisodeMetadataCallback.
    r = np.asarray(rewards)
    group.attrs.update(
        {
            "rewards_sum": float(r.sum()),
            "rewards_mean": float(r.mean()),
            "rewards_std": float(r.std()),
            "rewards_max": float(r.max()),
            "rewards_min": float(r.min()),
        }
    )


def write(dataset_dir, variant):
    os.makedirs(f"{dataset_dir}/data")
    rng = np.random.default_rng(7)
    written = []
    if variant == "cartpole":
        high = np.array([4.8, np.inf, 0.41887903, np.inf], dtype=np.float32)
        metadata = {
            "total_episodes": 3,
            "total_steps": 0,
            "data_format": "hdf5",
            "observation_space": serialize_box(-high, high, "float32"),
            "action_space": serialize_discrete(2),
            "env_spec": json.dumps(
                {
                    "id": "CartPole-v1",
                    "entry_point": "gymnasium.envs.classic_control.cartpole:CartPoleEnv",
                    "reward_threshold": 475.0,
                    "nondeterministic": False,
                    "max_episode_steps": 500,
                    "order_enforce": True,
                    "disable_env_checker": False,
                    "kwargs": {},
                    "additional_wrappers": [],
                    "vector_entry_point": "gymnasium.envs.classic_control.cartpole:CartPoleVectorEnv",
                }
            ),
            "dataset_id": "cartpole/h5py-v0",
            "author": ["h5py"],
            "algorithm_name": "random",
            "description": "Written the way Minari writes.",
            "minari_version": "0.5.3",
        }
        ids = [0, 1, 2]
        lengths = [5, 1, 9]
        truncated_last = [False, True, False]
    elif variant == "dict":
        # An image-and-state Dict with a Tuple inside, as a DataCollector over such an env writes it.
        box = lambda low, high, shape, dtype: json.loads(  # noqa: E731
            serialize_box(np.full(shape, low), np.full(shape, high), dtype)
        )
        metadata = {
            "total_episodes": 2,
            "total_steps": 0,
            "data_format": "hdf5",
            "observation_space": json.dumps(
                {
                    "type": "Dict",
                    "subspaces": {
                        "image": box(0, 255, [4, 3, 3], "uint8"),
                        "pair": {
                            "type": "Tuple",
                            "subspaces": [box(-1.0, 1.0, [2], "float32"), json.loads(serialize_discrete(5))],
                        },
                        "state": box(-np.inf, np.inf, [3], "float32"),
                    },
                }
            ),
            "action_space": serialize_discrete(2),
            "dataset_id": "toy/h5py-dict-v0",
            "minari_version": "0.5.3",
        }
        ids = [0, 1]
        lengths = [3, 6]
        truncated_last = [False, True]
    else:
        metadata = {
            "total_episodes": 3,
            "total_steps": 0,
            "data_format": "hdf5",
            "observation_space": serialize_box([-1.0, -1.0, -8.0], [1.0, 1.0, 8.0], "float32"),
            "action_space": serialize_box([-2.0], [2.0], "float32"),
            "dataset_id": "pendulum/gaps-v0",
            "minari_version": "0.5.3",
            "collector": "not a Minari key",
        }
        ids = [0, 3, 7]
        lengths = [4, 3, 2]
        truncated_last = [True, True, True]

    with h5py.File(f"{dataset_dir}/data/main_data.hdf5", "a", track_order=True) as file:
        for k, (episode_id, T) in enumerate(zip(ids, lengths)):
            if variant == "cartpole":
                observations = rng.uniform(-0.05, 0.05, size=(T + 1, 4)).astype(np.float32)
                actions = np.array([int(a) for a in rng.integers(0, 2, size=T)])
                seed = 1000 + k
                infos = None
            elif variant == "dict":
                observations = {
                    "image": rng.integers(0, 256, size=(T + 1, 4, 3, 3)).astype(np.uint8),
                    "pair": (
                        rng.uniform(-1, 1, size=(T + 1, 2)).astype(np.float32),
                        rng.integers(0, 5, size=T + 1),
                    ),
                    "state": rng.normal(size=(T + 1, 3)).astype(np.float32),
                }
                actions = np.array([int(a) for a in rng.integers(0, 2, size=T)])
                seed = 7 + k
                infos = None
            else:
                observations = rng.uniform(-1, 1, size=(T + 1, 3)).astype(np.float32)
                actions = rng.uniform(-2, 2, size=(T, 1)).astype(np.float32)
                seed = 2**64 - 1 if episode_id == 3 else 5 + k
                infos = {
                    "torque_cost": rng.normal(size=T + 1),
                    "is_upright": [bool(b) for b in rng.integers(0, 2, size=T + 1)],
                    "note": ["x"] * (T + 1),
                }
            rewards = [float(r) for r in rng.normal(-1.0, 2.0, size=T)]
            terminations = [False] * T
            truncations = [False] * T
            if truncated_last[k]:
                truncations[-1] = True
            else:
                terminations[-1] = True
            add_episode(file, episode_id, seed, observations, actions, rewards, terminations, truncations, infos)
            written.append(
                {
                    "id": episode_id,
                    "seed": seed,
                    "observations": (
                        {
                            "image": observations["image"].tolist(),
                            "pair/_index_0": observations["pair"][0].tolist(),
                            "pair/_index_1": observations["pair"][1].tolist(),
                            "state": observations["state"].tolist(),
                        }
                        if variant == "dict"
                        else observations.tolist()
                    ),
                    "actions": actions.tolist(),
                    "rewards": rewards,
                    "terminations": terminations,
                    "truncations": truncations,
                    "infos": {
                        key: value.tolist() if hasattr(value, "tolist") else value
                        for key, value in (infos or {}).items()
                        if key != "note"
                    },
                }
            )
    metadata["total_steps"] = sum(lengths)
    metadata["dataset_size"] = 0.0
    with open(f"{dataset_dir}/data/metadata.json", "w") as f:
        json.dump(metadata, f)
    print(json.dumps({"metadata": metadata, "episodes": written}))


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(sys.argv[2])
    elif sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(f"unknown command {sys.argv[1]}")
