/*
 * shim: the C half of mimic's stand-in for the `mujoco` Python package (see README.md two folders
 * up). Python's ctypes calls MuJoCo's own functions (mj_forward, mj_resetData, mj_name2id, …)
 * directly; this file adds only what ctypes cannot reach without copying MuJoCo's struct layouts:
 * loading a model from an XML path, `mj_step` repeated `nstep` times (as the Python bindings'
 * `mj_step(m, d, nstep)`), and the addresses and shapes of the mjModel and mjData fields that
 * Gymnasium's MuJoCo envs read, so Python can wrap them as numpy views.
 *
 *   gcc -O2 -shared -fPIC -o libmimic_mujoco_shim.so shim.c -lmujoco
 *
 * Built against Debian's libmujoco-dev (MuJoCo 2.2.2). Written for mimic (MIT).
 */
#include <mujoco/mujoco.h>
#include <string.h>

/* mj_loadXML without a virtual file system; NULL and a message in `error` on failure. */
mjModel* shim_load_xml(const char* path, char* error, int error_size) {
  return mj_loadXML(path, NULL, error, error_size);
}

/* The Python bindings' mj_step(m, d, nstep): nstep calls of mj_step. */
void shim_step(const mjModel* m, mjData* d, int nstep) {
  for (int i = 0; i < nstep; i++) mj_step(m, d);
}

/* A size of the model (nq, nv, …); -1 for a name this shim does not know. */
int shim_model_size(const mjModel* m, const char* name) {
  if (!strcmp(name, "nq")) return m->nq;
  if (!strcmp(name, "nv")) return m->nv;
  if (!strcmp(name, "nu")) return m->nu;
  if (!strcmp(name, "na")) return m->na;
  if (!strcmp(name, "nbody")) return m->nbody;
  if (!strcmp(name, "njnt")) return m->njnt;
  if (!strcmp(name, "ngeom")) return m->ngeom;
  if (!strcmp(name, "ncam")) return m->ncam;
  return -1;
}

/* An integer field of the model by name; NULL for a name this shim does not know. */
int* shim_model_int(mjModel* m, const char* name) {
  if (!strcmp(name, "vis.global.offwidth")) return &m->vis.global.offwidth;
  if (!strcmp(name, "vis.global.offheight")) return &m->vis.global.offheight;
  return NULL;
}

/* A float64 field of the model and its shape (rows × cols); NULL for an unknown name. */
mjtNum* shim_model_array(mjModel* m, const char* name, int* rows, int* cols) {
  if (!strcmp(name, "opt.timestep")) {
    *rows = 1;
    *cols = 1;
    return &m->opt.timestep;
  }
  if (!strcmp(name, "actuator_ctrlrange")) {
    *rows = m->nu;
    *cols = 2;
    return m->actuator_ctrlrange;
  }
  if (!strcmp(name, "qpos0")) {
    *rows = m->nq;
    *cols = 1;
    return m->qpos0;
  }
  if (!strcmp(name, "body_mass")) {
    *rows = m->nbody;
    *cols = 1;
    return m->body_mass;
  }
  return NULL;
}

/* A float64 field of the data and its shape (rows × cols); NULL for an unknown name. */
mjtNum* shim_data_array(const mjModel* m, mjData* d, const char* name, int* rows, int* cols) {
  *cols = 1;
  if (!strcmp(name, "time")) {
    *rows = 1;
    return &d->time;
  }
  if (!strcmp(name, "qpos")) {
    *rows = m->nq;
    return d->qpos;
  }
  if (!strcmp(name, "qvel")) {
    *rows = m->nv;
    return d->qvel;
  }
  if (!strcmp(name, "act")) {
    *rows = m->na;
    return d->act;
  }
  if (!strcmp(name, "ctrl")) {
    *rows = m->nu;
    return d->ctrl;
  }
  if (!strcmp(name, "qacc")) {
    *rows = m->nv;
    return d->qacc;
  }
  if (!strcmp(name, "qacc_warmstart")) {
    *rows = m->nv;
    return d->qacc_warmstart;
  }
  if (!strcmp(name, "qfrc_applied")) {
    *rows = m->nv;
    return d->qfrc_applied;
  }
  if (!strcmp(name, "xfrc_applied")) {
    *rows = m->nbody;
    *cols = 6;
    return d->xfrc_applied;
  }
  if (!strcmp(name, "xpos")) {
    *rows = m->nbody;
    *cols = 3;
    return d->xpos;
  }
  if (!strcmp(name, "xquat")) {
    *rows = m->nbody;
    *cols = 4;
    return d->xquat;
  }
  if (!strcmp(name, "cfrc_ext")) {
    *rows = m->nbody;
    *cols = 6;
    return d->cfrc_ext;
  }
  return NULL;
}
