/** Evaluates terraform modules the way a fleet does: the class's modules, its special arguments, then yours. */
import { terraformModules, terraformSpecialArgs } from "../../../src/classes/terraform/index.js";
import { evalModules } from "../../../src/lib/index.js";

export function evalTerraform(...modules: unknown[]): Record<string, any> {
  return evalModules({
    class: "terraform",
    specialArgs: { ...terraformSpecialArgs },
    modules: [...terraformModules, ...modules],
  }).config;
}
