"""mimic's stand-in for the `mujoco` Python package (DeepMind's bindings), for generating fixtures.

Only what Gymnasium's `mujoco_env.py`, `mujoco_rendering.py` (its import-time and constructor
code) and the v5 InvertedPendulum, Hopper, HalfCheetah, Walker2d and Ant envs touch:

- ``MjModel.from_xml_path``; ``nq``, ``nv``, ``nu``, ``na``, ``nbody``, ``njnt``, ``ngeom``,
  ``ncam``; ``opt.timestep``; ``vis.global_.offwidth``/``offheight``; ``actuator_ctrlrange``,
  ``qpos0``, ``body_mass`` (numpy views);
- ``MjData(model)``: ``qpos``, ``qvel``, ``act``, ``ctrl``, ``qacc``, ``qacc_warmstart``,
  ``qfrc_applied``, ``xfrc_applied``, ``xpos``, ``xquat``, ``cfrc_ext`` as numpy views into
  MuJoCo's memory (writes go to MuJoCo, as in the real bindings), ``time``, and
  ``data.body(name)`` with ``id``, ``name``, ``xpos``, ``xquat``, ``cfrc_ext``;
- ``mj_step(m, d, nstep=1)``, ``mj_forward``, ``mj_resetData``, ``mj_rnePostConstraint``,
  ``mj_name2id``, ``mjtObj``, ``__version__``.

Everything runs in the native MuJoCo C library the shim was built against (Debian's
libmujoco-dev, MuJoCo 2.2.2), through ctypes and the small C file beside this one. The shared
library's path comes from the MIMIC_MUJOCO_SHIM environment variable, which
scripts/gymnasium-reference/generate.py sets after compiling shim.c. Anything else (rendering,
other functions, other fields) raises AttributeError: this is not a general replacement.
"""

import ctypes
import enum
import os

import numpy as np

_path = os.environ.get("MIMIC_MUJOCO_SHIM")
if not _path:
    raise ImportError(
        "mimic's mujoco stand-in needs MIMIC_MUJOCO_SHIM, the path of shim.c compiled against "
        "libmujoco (scripts/gymnasium-reference/generate.py compiles it and sets it)."
    )
_lib = ctypes.CDLL(_path)

_vp = ctypes.c_void_p
_int_p = ctypes.POINTER(ctypes.c_int)
_num_p = ctypes.POINTER(ctypes.c_double)


def _declare(name, restype, *argtypes):
    fn = getattr(_lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


_load_xml = _declare("shim_load_xml", _vp, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
_step = _declare("shim_step", None, _vp, _vp, ctypes.c_int)
_model_size = _declare("shim_model_size", ctypes.c_int, _vp, ctypes.c_char_p)
_model_int = _declare("shim_model_int", _int_p, _vp, ctypes.c_char_p)
_model_array = _declare("shim_model_array", _num_p, _vp, ctypes.c_char_p, _int_p, _int_p)
_data_array = _declare("shim_data_array", _num_p, _vp, _vp, ctypes.c_char_p, _int_p, _int_p)
# MuJoCo's own functions, found through the shim's dependency on libmujoco.
_make_data = _declare("mj_makeData", _vp, _vp)
_delete_model = _declare("mj_deleteModel", None, _vp)
_delete_data = _declare("mj_deleteData", None, _vp)
_forward = _declare("mj_forward", None, _vp, _vp)
_reset_data = _declare("mj_resetData", None, _vp, _vp)
_rne_post_constraint = _declare("mj_rnePostConstraint", None, _vp, _vp)
_name2id = _declare("mj_name2id", ctypes.c_int, _vp, ctypes.c_int, ctypes.c_char_p)
_version_string = _declare("mj_versionString", ctypes.c_char_p)

__version__ = _version_string().decode()


class mjtObj(enum.IntEnum):
    """MuJoCo's object types (mjmodel.h, MuJoCo 2.2.2)."""

    mjOBJ_UNKNOWN = 0
    mjOBJ_BODY = 1
    mjOBJ_XBODY = 2
    mjOBJ_JOINT = 3
    mjOBJ_DOF = 4
    mjOBJ_GEOM = 5
    mjOBJ_SITE = 6
    mjOBJ_CAMERA = 7
    mjOBJ_LIGHT = 8
    mjOBJ_MESH = 9
    mjOBJ_SKIN = 10
    mjOBJ_HFIELD = 11
    mjOBJ_TEXTURE = 12
    mjOBJ_MATERIAL = 13
    mjOBJ_PAIR = 14
    mjOBJ_EXCLUDE = 15
    mjOBJ_EQUALITY = 16
    mjOBJ_TENDON = 17
    mjOBJ_ACTUATOR = 18
    mjOBJ_SENSOR = 19
    mjOBJ_NUMERIC = 20
    mjOBJ_TEXT = 21
    mjOBJ_TUPLE = 22
    mjOBJ_KEY = 23


def _view(pointer, rows, cols, flat):
    """A writable numpy view of rows × cols doubles at `pointer` (1-D when `flat`)."""
    if rows == 0:
        return np.zeros((0,) if flat else (0, cols))
    array = np.ctypeslib.as_array(pointer, shape=(rows * cols,))
    return array if flat else array.reshape(rows, cols)


def _missing(owner, name):
    return AttributeError(
        f"{owner} has no attribute {name!r} in mimic's mujoco stand-in, which provides only what "
        "Gymnasium's v5 locomotion envs use (see scripts/gymnasium-reference/README.md)."
    )


class _Option:
    def __init__(self, model):
        self._model = model

    @property
    def timestep(self):
        return float(self._model._array("opt.timestep", flat=True)[0])

    @timestep.setter
    def timestep(self, value):
        self._model._array("opt.timestep", flat=True)[0] = value


class _Global:
    def __init__(self, model):
        object.__setattr__(self, "_model", model)

    def _field(self, name):
        pointer = _model_int(self._model._ptr, f"vis.global.{name}".encode())
        if not pointer:
            raise _missing("MjModel.vis.global_", name)
        return pointer

    def __getattr__(self, name):
        return self._field(name)[0]

    def __setattr__(self, name, value):
        self._field(name)[0] = int(value)


class _Visual:
    def __init__(self, model):
        self.global_ = _Global(model)


class MjModel:
    _ptr = None

    def __init__(self, pointer):
        self._ptr = pointer
        self.opt = _Option(self)
        self.vis = _Visual(self)

    @staticmethod
    def from_xml_path(path):
        error = ctypes.create_string_buffer(1000)
        pointer = _load_xml(os.fsencode(path), error, len(error))
        if not pointer:
            raise ValueError(error.value.decode())
        return MjModel(pointer)

    def _array(self, name, flat):
        rows, cols = ctypes.c_int(), ctypes.c_int()
        pointer = _model_array(self._ptr, name.encode(), ctypes.byref(rows), ctypes.byref(cols))
        if not pointer:
            raise _missing("MjModel", name)
        return _view(pointer, rows.value, cols.value, flat)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        size = _model_size(self._ptr, name.encode())
        if size >= 0:
            return size
        return self._array(name, flat=name in ("qpos0", "body_mass"))

    def __del__(self):
        if self._ptr:
            _delete_model(self._ptr)
            self._ptr = None


class _Body:
    """`data.body(name)`: the named body's rows of MjData's per-body arrays."""

    def __init__(self, data, body_id, name):
        self.id = body_id
        self.name = name
        self.xpos = data.xpos[body_id]
        self.xquat = data.xquat[body_id]
        self.cfrc_ext = data.cfrc_ext[body_id]


# MjData's arrays: 1-D (per dof or actuator) or one row per body.
_DATA_FLAT = {"qpos", "qvel", "act", "ctrl", "qacc", "qacc_warmstart", "qfrc_applied"}
_DATA_ROWS = {"xpos", "xquat", "cfrc_ext", "xfrc_applied"}


class MjData:
    _ptr = None

    def __init__(self, model):
        self._model = model
        self._ptr = _make_data(model._ptr)
        if not self._ptr:
            raise MemoryError("mj_makeData returned NULL")
        self._views = {}

    def _array(self, name):
        if name not in self._views:
            rows, cols = ctypes.c_int(), ctypes.c_int()
            pointer = _data_array(
                self._model._ptr, self._ptr, name.encode(), ctypes.byref(rows), ctypes.byref(cols)
            )
            self._views[name] = _view(pointer, rows.value, cols.value, name in _DATA_FLAT)
        return self._views[name]

    def __getattr__(self, name):
        if name in _DATA_FLAT or name in _DATA_ROWS:
            return self._array(name)
        raise _missing("MjData", name)

    @property
    def time(self):
        rows, cols = ctypes.c_int(), ctypes.c_int()
        pointer = _data_array(
            self._model._ptr, self._ptr, b"time", ctypes.byref(rows), ctypes.byref(cols)
        )
        return float(pointer[0])

    def body(self, key):
        """The body named `key`, or with index `key` (as the real bindings accept both)."""
        if isinstance(key, int):
            if not 0 <= key < self._model.nbody:
                raise IndexError(
                    f"body index {key} is out of range: the model has {self._model.nbody} bodies."
                )
            return _Body(self, key, None)
        body_id = _name2id(self._model._ptr, mjtObj.mjOBJ_BODY, key.encode())
        if body_id < 0:
            raise KeyError(f'Invalid name "{key}": the model has no body of that name.')
        return _Body(self, body_id, key)

    def __del__(self):
        if self._ptr:
            _delete_data(self._ptr)
            self._ptr = None


def mj_step(m, d, nstep=1):
    _step(m._ptr, d._ptr, nstep)


def mj_forward(m, d):
    _forward(m._ptr, d._ptr)


def mj_resetData(m, d):
    _reset_data(m._ptr, d._ptr)


def mj_rnePostConstraint(m, d):
    _rne_post_constraint(m._ptr, d._ptr)


def mj_name2id(m, type, name):
    return _name2id(m._ptr, int(type), name.encode())
