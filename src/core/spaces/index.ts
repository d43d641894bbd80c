/**
 * @module
 * Spaces describe what an observation or an action can be. They follow Gymnasium's
 * `gymnasium/spaces` semantics (bounds, `start` offsets, flattening rules) and read and write the
 * JSON form Minari stores in a dataset's metadata (`minari/serialization.py`), so a space written
 * by Python comes back as the same space here and the other way round.
 */
export { Box } from "./box.js";
export { DictSpace, TupleSpace } from "./composite.js";
export { Discrete, MultiBinary, MultiDiscrete } from "./discrete.js";
export { parsePythonJson, spaceFromJSON, spaceToJSONString, stringifyPythonJson } from "./json.js";
export type { BoxDtype, Space, SpaceJson, SpaceValue, TypedArray } from "./space.js";
export { ALPHANUMERIC, TextSpace } from "./text.js";
export { formatValue } from "./values.js";
