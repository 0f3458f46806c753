/** Terraform rendering: `main.tf.json` from a terraform class configuration. */
export {
  GENERATED_COMMENT,
  type Json,
  type RenderOptions,
  renderTerraform,
  toTerraformJson,
  writeJson,
} from "./render.js";
