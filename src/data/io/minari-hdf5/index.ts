/**
 * @module
 * Datasets on disk in Minari's HDF5 layout, read and written with h5wasm (HDF5 compiled to
 * WebAssembly, using Node's real filesystem). The layout follows Minari 0.5
 * (`minari/dataset/_storages/hdf5_storage.py`, `minari/dataset/minari_storage.py`,
 * `minari/utils.py`, `minari/data_collector/data_collector.py`):
 *
 * ```text
 * <dir>/data/main_data.hdf5   one group episode_<i> per episode, i = 0 … N − 1
 * <dir>/data/metadata.json    dataset_id, spaces, env_spec, counts, … as Minari's json.dump writes them
 * ```
 *
 * Minari reads metadata.json from `data/`, next to main_data.hdf5 (`MinariStorage.read_raw_metadata`).
 * writeMinari also puts an identical copy at `<dir>/metadata.json`, where Minari plans to move it
 * (see the TODO in `minari/storage/local.py`). readMinari reads that copy only when data/'s is missing.
 * An episode group holds `observations` (T + 1 rows), `actions` (T rows), `rewards` (float64),
 * `terminations` and `truncations` (T flags, set only at the last step) and an `infos` group (one
 * dataset of T + 1 rows per key). Its attributes are `id`, `seed` (when known), `total_steps` and
 * the `rewards_sum/mean/std/max/min` statistics that Minari's DataCollector adds. Every dataset
 * can grow along its first axis (`maxshape=(None, …)`), and its chunk shape is the one h5py picks.
 * Discrete and MultiDiscrete values are int64, MultiBinary int8, and Box values keep their dtype.
 *
 * Caveats:
 * - Flags are stored as int8 0/1. h5py stores numpy bools as an HDF5 enum over int8 {FALSE, TRUE},
 *   and h5wasm cannot create enum types. numpy reads the flags as int8, which Minari handles.
 *   Reading accepts bool enums and any integer flags that are 0 or 1.
 * - Box observations may hold NaN: recorded data sometimes does, and it is cleaned later. NaN in
 *   an action is refused, because a NaN action comes from a diverged policy.
 * - Image-like Box spaces are stored raw, and metadata.json says `"jpeg_encoding": false`. Minari's
 *   main branch honours that, but Minari 0.5.3 and earlier expect JPEG bytes for those spaces.
 * - Action spaces must be ones `columnFor` stores (Box, Discrete, MultiDiscrete, MultiBinary).
 *   Observation spaces may also be Dict and Tuple spaces of those, nested as deep as wanted.
 *
 * Dict and Tuple observation spaces are stored as Minari's HDF5Storage stores them
 * (`_add_episode_to_group` and `_decode_space`):
 *
 * ```text
 * episode_<i>/observations/   a group for a Dict or Tuple space
 *   image                     (T + 1, H, W, C) uint8, gzip-compressed; one dataset per Dict key
 *   state                     (T + 1, 3) float32
 *   pair/                     a Tuple inside a Dict: a group
 *     _index_0                (T + 1, 2) float32; Tuple positions are _index_<i>
 *     _index_1                (T + 1,) int64
 * ```
 *
 * uint8 leaves are written with gzip (deflate level 4, as h5py's `compression="gzip"`) on h5py's
 * chunk shape; h5py and Minari decompress them without being told. Other leaves, and the arrays of
 * plain spaces, are not compressed, as before. In memory the leaves are `Episode.observationLeaves`
 * (see `layoutFor` in data/columns.ts). Reading names a missing key or a wrong leaf shape by its
 * path, and warns about keys the space does not have.
 *
 * Writes are atomic. The whole dataset is written to a sibling `<dir>.tmp-<uuid>`, synced, and
 * renamed into place. An existing dataset is first moved aside to `<dir>.old-<uuid>` and deleted
 * once the new one is in place, so a crash never leaves a half-written dataset at `<dir>`.
 * Only a crash between the two renames can leave the old dataset under its `.old-` name.
 */
export { MINARI_VERSION } from "./metadata.js";
export { type ReadMinariResult, readMinari } from "./read.js";
export { type WriteMinariOptions, writeMinari } from "./write.js";
