/*
 * rollout: the native reference for mimic's MuJoCo environments.
 *
 * Loads a MuJoCo XML model with the C library (Debian's libmujoco), sets the initial qpos and qvel
 * as Gymnasium's MujocoEnv.set_state does (then mj_forward), and applies a recorded action
 * sequence as MujocoEnv.do_simulation does: ctrl = action, mj_step frame_skip times, then
 * mj_rnePostConstraint. After every env step it writes qpos, qvel, qacc_warmstart, cfrc_ext and
 * xpos as one JSON line to stdout. (xpos is as mj_step leaves it: the body positions computed at
 * the start of the last substep, which is what Gymnasium's Ant reads for its forward reward.)
 *
 *   rollout MODEL.xml FRAME_SKIP < input
 *   rollout --bench MODEL.xml FRAME_SKIP STEPS     (env steps per second, zero actions)
 *
 * input (whitespace-separated decimal numbers, written with 17 significant digits):
 *   STEPS, then nq qpos values, nv qvel values, then STEPS × nu actions.
 *
 * Written for mimic (MIT); see README.md beside this file.
 */
#include <mujoco/mujoco.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void fail(const char* what) {
  fprintf(stderr, "rollout: %s\n", what);
  exit(1);
}

static double read_number(void) {
  double x;
  if (scanf("%lf", &x) != 1) fail("input ended early or holds a non-number");
  return x;
}

static void print_array(const char* name, const mjtNum* v, int n, int last) {
  printf("\"%s\":[", name);
  for (int i = 0; i < n; i++) printf(i ? ",%.17g" : "%.17g", v[i]);
  printf(last ? "]" : "],");
}

static mjModel* load(const char* path) {
  char error[1000] = "";
  mjModel* m = mj_loadXML(path, NULL, error, sizeof error);
  if (!m) {
    fprintf(stderr, "rollout: cannot load %s: %s\n", path, error);
    exit(1);
  }
  return m;
}

static void env_step(const mjModel* m, mjData* d, int frame_skip) {
  for (int k = 0; k < frame_skip; k++) mj_step(m, d);
  mj_rnePostConstraint(m, d);
}

int main(int argc, char** argv) {
  if (argc == 5 && strcmp(argv[1], "--bench") == 0) {
    mjModel* m = load(argv[2]);
    mjData* d = mj_makeData(m);
    int frame_skip = atoi(argv[3]);
    long steps = atol(argv[4]);
    mj_forward(m, d);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long t = 0; t < steps; t++) {
      mju_zero(d->ctrl, m->nu);
      env_step(m, d, frame_skip);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("{\"mujoco\":\"%s\",\"steps\":%ld,\"seconds\":%.9g,\"stepsPerSecond\":%.9g}\n",
           mj_versionString(), steps, seconds, (double)steps / seconds);
    mj_deleteData(d);
    mj_deleteModel(m);
    return 0;
  }
  if (argc != 3) fail("usage: rollout MODEL.xml FRAME_SKIP < input | rollout --bench MODEL.xml FRAME_SKIP STEPS");
  mjModel* m = load(argv[1]);
  mjData* d = mj_makeData(m);
  int frame_skip = atoi(argv[2]);
  if (frame_skip < 1) fail("FRAME_SKIP must be a positive integer");

  long steps = (long)read_number();
  for (int i = 0; i < m->nq; i++) d->qpos[i] = read_number();
  for (int i = 0; i < m->nv; i++) d->qvel[i] = read_number();
  mj_forward(m, d);

  printf("{\"mujoco\":\"%s\",\"nq\":%d,\"nv\":%d,\"nu\":%d,\"nbody\":%d}\n", mj_versionString(), m->nq, m->nv,
         m->nu, m->nbody);
  for (long t = 0; t < steps; t++) {
    for (int i = 0; i < m->nu; i++) d->ctrl[i] = read_number();
    env_step(m, d, frame_skip);
    printf("{");
    print_array("qpos", d->qpos, m->nq, 0);
    print_array("qvel", d->qvel, m->nv, 0);
    print_array("qacc_warmstart", d->qacc_warmstart, m->nv, 0);
    print_array("cfrc_ext", d->cfrc_ext, 6 * m->nbody, 0);
    print_array("xpos", d->xpos, 3 * m->nbody, 1);
    printf("}\n");
  }
  mj_deleteData(d);
  mj_deleteModel(m);
  return 0;
}
