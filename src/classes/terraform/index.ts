/** The terraform class: what terranix is for Nix — Terraform configuration written as modules. */
export { terraformModules, terraformSpecialArgs } from "./options.js";
export {
  Expression,
  type ExprValue,
  escapeTemplate,
  hclString,
  Reference,
  ref,
  type Step,
  type Target,
  Template,
  type Tf,
  tf,
} from "./references.js";
export { kindOf, terraformBlock, terraformProvider, terraformValue } from "./value-type.js";
