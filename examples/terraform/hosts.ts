/**
 * An example terraform configuration for `grove tf … --config examples/terraform/hosts.ts`. It uses
 * only Terraform's built-in `terraform_data`, so `terraform validate`, `plan` and `apply` run
 * offline; a real fleet would declare `hcloud_server`s or `google_compute_instance`s the same way.
 * Its `hosts` output is the hand-off to deploy: machine name → address.
 */
import type { Tf } from "../../src/classes/terraform/index.js";

const machines = ["cinnabar", "electrum"];

export default [
  ({ tf }: { tf: Tf }) => ({
    variable: { domain: { type: "string", default: "example.org", description: "Domain of the hosts" } },
    locals: { fleet: "grove-example" },
    resource: {
      terraform_data: Object.fromEntries(
        machines.map((name) => [
          name,
          {
            input: {
              name,
              fqdn: tf.template`${name}.${tf.var("domain")}`,
              fleet: tf.local("fleet"),
            },
          },
        ]),
      ),
    },
  }),
  ({ tf }: { tf: Tf }) => ({
    output: {
      hosts: {
        description: "Machine name → address, for deploy targets",
        value: Object.fromEntries(
          machines.map((name) => [name, tf.ref(tf.resource("terraform_data", name), "output", "fqdn")]),
        ),
      },
    },
    check: {
      domain: {
        assert: [
          {
            condition: tf.expr`length(${tf.var("domain")}) > 0`,
            error_message: "Set a domain for the hosts.",
          },
        ],
      },
    },
  }),
];
