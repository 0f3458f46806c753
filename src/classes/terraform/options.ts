/**
 * The option tree of the terraform class: Terraform's top-level block types, each free-form below
 * its labels, as terranix declares them.
 */
import { mkOption, types } from "../../lib/index.js";
import { tf } from "./references.js";
import { terraformBlock, terraformProvider, terraformValue } from "./value-type.js";

const labelled = (what: string, example: string) =>
  mkOption({
    type: types.attrsOf(terraformBlock),
    default: {},
    description: `${what}, by name: \`${example}\`.`,
  });

const byTypeAndName = (what: string, example: string) =>
  mkOption({
    type: types.attrsOf(types.attrsOf(terraformBlock)),
    default: {},
    description: `${what}, by type and name: \`${example}\`. Refer to one with \`tf.${what === "Resources" ? "resource" : "data"}(type, name)\`.`,
  });

/** The module declaring the terraform class's options. */
const declarations = {
  _file: "<grove>/classes/terraform/options.ts",
  _class: "terraform",
  key: "grove:terraform",
  options: {
    resource: byTypeAndName("Resources", "resource.hcloud_server.web = { server_type: 'cx22' }"),
    data: byTypeAndName("Data sources", "data.hcloud_image.debian = { name: 'debian-12' }"),
    provider: mkOption({
      type: types.attrsOf(terraformProvider),
      default: {},
      description:
        "Provider configurations by provider name: an object, or a list of objects each with its own `alias`. Definitions of one alias from several modules merge.",
    }),
    variable: labelled("Input variables", "variable.region = { type: 'string', default: 'fsn1' }"),
    output: labelled(
      "Outputs",
      "output.ip = { value: tf.ref(tf.resource('hcloud_server', 'web'), 'ipv4_address') }",
    ),
    locals: mkOption({
      type: types.attrsOf(terraformValue),
      default: {},
      description: "Local values by name: `locals.domain = 'example.org'`.",
    }),
    module: labelled("Module calls", "module.vpc = { source: './vpc', cidr: '10.0.0.0/16' }"),
    check: labelled(
      "Checks (`check` blocks with `assert` and scoped `data`)",
      "check.up = { assert: [ … ] }",
    ),
    terraform: mkOption({
      type: terraformBlock,
      default: {},
      description:
        "The `terraform` block: `required_version`, `required_providers`, `backend` (Grove's runner adds a local backend for its encrypted state when none is set).",
    }),
  },
};

/**
 * The modules of the terraform class. Evaluate them with the user's modules, passing
 * {@link terraformSpecialArgs} so that function modules receive `tf`:
 *
 * @example
 * const { config } = evalModules({
 *   class: "terraform",
 *   specialArgs: terraformSpecialArgs,
 *   modules: [...terraformModules, ({ tf }) => ({ output: { id: { value: tf.ref(tf.resource("terraform_data", "a"), "id") } } })],
 * });
 * const json = renderTerraform(config);
 */
export const terraformModules: readonly unknown[] = [declarations];

/**
 * The arguments every terraform module receives besides `config`, `options` and `lib`: `tf`, the
 * reference helpers. They are special arguments (not `_module.args`) so that a module may use them
 * while it is being loaded, to build its definitions.
 *
 * @example
 * evalModules({ class: "terraform", specialArgs: terraformSpecialArgs, modules: [...terraformModules, ({ tf }) => ({ locals: { r: tf.var("region") } })] });
 */
export const terraformSpecialArgs: Readonly<Record<string, unknown>> = { tf };
