/**
 * @module
 * `MujocoModel`: one MuJoCo model and its data on the loaded `mujoco-js` module, with the few
 * operations Gymnasium's `MujocoEnv` (gymnasium/envs/mujoco/mujoco_env.py) uses: reset the data,
 * set qpos and qvel (then `mj_forward`), and step with a control for `frame_skip` substeps (then
 * `mj_rnePostConstraint`, which fills `cfrc_ext`).
 */
import type { MjData, MjModel } from "mujoco-js";
import { ShapeMismatchError, SimulatorError } from "../../core/errors.js";
import { MUJOCO_ASSETS } from "./assets.js";
import type { Mujoco } from "./module.js";

/** Where models are written in the module's in-memory file system. */
const MODEL_DIR = "/mimic-models";

/** A live view of one of MjData's arrays; taken again if the wasm heap grew (which detaches it). */
class HeapView {
  private view: Float64Array;

  constructor(private readonly take: () => Float64Array) {
    this.view = take();
  }

  get(): Float64Array {
    if (this.view.buffer.byteLength === 0) this.view = this.take();
    return this.view;
  }
}

export class MujocoModel {
  /** Numbers of position coordinates, degrees of freedom, actuators and bodies (world included). */
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;
  readonly nbody: number;
  /** Simulation timestep in seconds (`model.opt.timestep`). */
  readonly timestep: number;
  /** qpos and qvel right after loading (Gymnasium's `init_qpos`, `init_qvel`). */
  readonly initQpos: Float64Array;
  readonly initQvel: Float64Array;
  /** Each actuator's control range, `[low0, high0, low1, high1, …]` (`actuator_ctrlrange`). */
  readonly ctrlRange: Float64Array;
  private readonly mujoco: Mujoco;
  private readonly model: MjModel;
  private readonly data: MjData;
  private readonly qposView: HeapView;
  private readonly qvelView: HeapView;
  private readonly ctrlView: HeapView;
  private readonly cfrcExtView: HeapView;
  private readonly xposView: HeapView;
  private deleted = false;

  /**
   * Loads `file` (a name from the shipped assets, such as `hopper.xml`) or, when `xml` is given,
   * that XML text under the name `file`.
   */
  constructor(mujoco: Mujoco, file: string, xml?: string) {
    const text = xml ?? MUJOCO_ASSETS[file];
    if (text === undefined) {
      throw new SimulatorError(
        `MujocoModel: no model file ${JSON.stringify(file)}. The shipped models are ${Object.keys(MUJOCO_ASSETS).join(", ")}; pass your own model's XML text to use another.`,
      );
    }
    if (!/^[\w.-]+$/.test(file)) {
      throw new SimulatorError(
        `MujocoModel: model file name ${JSON.stringify(file)} must be a plain file name (letters, digits, _ . -).`,
      );
    }
    this.mujoco = mujoco;
    const mj = mujoco.module;
    const path = `${MODEL_DIR}/${file}`;
    mujoco.takeOutput();
    let model: MjModel | null = null;
    try {
      if (!mj.FS.analyzePath(MODEL_DIR, false).exists) mj.FS.mkdir(MODEL_DIR);
      mj.FS.writeFile(path, text);
      model = mj.MjModel.loadFromXML(path);
    } catch (cause) {
      throw new SimulatorError(
        `MujocoModel: MuJoCo could not compile ${file}${describeOutput(mujoco.takeOutput())}. Check the XML against MuJoCo ${mujoco.version}'s schema.`,
        { cause },
      );
    }
    // A file MuJoCo cannot open or parse comes back as null, with the reason printed.
    if (!model) {
      throw new SimulatorError(
        `MujocoModel: MuJoCo could not load ${file}${describeOutput(mujoco.takeOutput())}.`,
      );
    }
    this.model = model;
    this.data = new mj.MjData(model);
    this.nq = model.nq;
    this.nv = model.nv;
    this.nu = model.nu;
    this.nbody = model.nbody;
    this.timestep = model.opt.timestep;
    this.ctrlRange = Float64Array.from(model.actuator_ctrlrange as Float64Array);
    this.qposView = new HeapView(() => this.data.qpos as Float64Array);
    this.qvelView = new HeapView(() => this.data.qvel as Float64Array);
    this.ctrlView = new HeapView(() => this.data.ctrl as Float64Array);
    this.cfrcExtView = new HeapView(() => this.data.cfrc_ext as Float64Array);
    this.xposView = new HeapView(() => this.data.xpos as Float64Array);
    this.initQpos = Float64Array.from(this.qpos);
    this.initQvel = Float64Array.from(this.qvel);
  }

  /** Joint positions (a live view into MuJoCo's memory: copy what you keep). */
  get qpos(): Float64Array {
    return this.qposView.get();
  }

  /** Joint velocities (a live view). */
  get qvel(): Float64Array {
    return this.qvelView.get();
  }

  /** External (contact) forces on each body, 6 per body, world first (a live view). */
  get cfrcExt(): Float64Array {
    return this.cfrcExtView.get();
  }

  /** Cartesian positions of the body frames, 3 per body, world first (a live view). */
  get xpos(): Float64Array {
    return this.xposView.get();
  }

  /** The body's index, by name; `SimulatorError` if the model has no such body. */
  bodyId(name: string): number {
    this.assertLive();
    const id = this.mujoco.module.mj_name2id(this.model, this.mujoco.module.mjtObj.mjOBJ_BODY.value, name);
    if (id < 0) throw new SimulatorError(`MujocoModel: the model has no body named ${JSON.stringify(name)}.`);
    return id;
  }

  /** `mj_resetData`: everything back to the model's defaults. */
  resetData(): void {
    this.assertLive();
    this.mujoco.module.mj_resetData(this.model, this.data);
  }

  /** Gymnasium's `MujocoEnv.set_state`: copy qpos and qvel in, then `mj_forward`. */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): void {
    this.assertLive();
    if (qpos.length !== this.nq || qvel.length !== this.nv) {
      throw new ShapeMismatchError(
        `MujocoModel.setState: qpos has ${qpos.length} values and qvel ${qvel.length}; the model needs ${this.nq} and ${this.nv}.`,
      );
    }
    this.qpos.set(qpos);
    this.qvel.set(qvel);
    this.mujoco.module.mj_forward(this.model, this.data);
  }

  /**
   * Gymnasium's `MujocoEnv.do_simulation`: `ctrl = action`, `mj_step` `frameSkip` times, then
   * `mj_rnePostConstraint` (so `cfrc_ext` holds this step's contact forces).
   */
  doSimulation(ctrl: ArrayLike<number>, frameSkip: number): void {
    this.assertLive();
    if (ctrl.length !== this.nu) {
      throw new ShapeMismatchError(
        `MujocoModel.doSimulation: the model has ${this.nu} actuators but the control has ${ctrl.length} values.`,
      );
    }
    this.ctrlView.get().set(ctrl);
    const mj = this.mujoco.module;
    for (let k = 0; k < frameSkip; k++) mj.mj_step(this.model, this.data);
    mj.mj_rnePostConstraint(this.model, this.data);
  }

  /** MjData's `qacc_warmstart` (the constraint solver's warm start), for exact state replay. */
  get qaccWarmstart(): Float64Array {
    this.assertLive();
    return this.data.qacc_warmstart as Float64Array;
  }

  /** Frees the model and data in MuJoCo's memory; the object cannot be used after. */
  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    this.data.delete();
    this.model.delete();
  }

  private assertLive(): void {
    if (this.deleted) throw new SimulatorError("MujocoModel: used after delete().");
  }
}

function describeOutput(lines: string[]): string {
  const text = lines.join(" ").trim();
  return text ? `: ${text}` : "";
}
