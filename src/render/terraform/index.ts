/** Terraform rendering: `main.tf.json` from a terraform class configuration. */

export { parseTerraformOutputs, publicOutputs, showOutputs, type TerraformOutputs } from "./outputs.js";
export {
  GENERATED_COMMENT,
  type Json,
  type RenderOptions,
  renderTerraform,
  toTerraformJson,
  writeJson,
} from "./render.js";
export {
  findTerraform,
  type RunOptions,
  type RunResult,
  runTerraform,
  type TerraformCommand,
  terraformOutputs,
} from "./run.js";
export { LOCAL_STATE, type StatePaths, statePaths } from "./state.js";
