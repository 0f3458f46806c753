/** `grove tf` on the example fleet: terraform modules collected from every machine's aspects. */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(REPO, "dist", "cli", "main.js");

let fleet: string;
let env: Record<string, string>;

async function grove(args: string[]) {
  return execa(process.execPath, [CLI, ...args], { cwd: fleet, env, reject: false });
}

beforeAll(() => {
  const work = mkdtempSync(join(tmpdir(), "grove-tf-fleet-"));
  fleet = join(work, "fleet");
  cpSync(join(REPO, "examples", "fleet"), fleet, { recursive: true, filter: (p) => !p.includes(".grove") });
  mkdirSync(join(work, "home"));
  env = { HOME: join(work, "home"), SOPS_AGE_KEY_FILE: join(work, "keys.txt"), TF_IN_AUTOMATION: "1" };
});

describe("grove tf on the example fleet", () => {
  it("plans and applies the GPU VM's resources offline, keeping the state encrypted", async () => {
    expect((await grove(["secrets", "init", "--user", "tester"])).exitCode).toBe(0);
    const plan = await grove(["tf", "plan"]);
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toContain("terraform_data.tensor will be created");
    expect(plan.stdout).toContain("Plan: 1 to add");
    const rendered = JSON.parse(
      readFileSync(join(fleet, ".grove", "terraform", "default", "main.tf.json"), "utf8"),
    );
    expect(rendered.resource.terraform_data.tensor.input).toEqual({
      gpu: "nvidia-l4",
      machine: "tensor",
      region: "europe-west4",
    });

    const apply = await grove(["tf", "apply", "--auto-approve"]);
    expect(apply.exitCode).toBe(0);
    const state = readFileSync(join(fleet, "terraform", "default.tfstate.sops"), "utf8");
    expect(state).toContain("ENC[AES256_GCM");
    expect(state).not.toContain("nvidia-l4");
    expect(existsSync(join(fleet, ".grove", "terraform", "default", "terraform.tfstate"))).toBe(false);

    const output = await grove(["tf", "output"]);
    expect(JSON.parse(output.stdout)).toEqual({ tensor_address: "10.0.0.7" });
    // The hand-off to deploy: the outputs that are not secret, beside the encrypted state.
    expect(JSON.parse(readFileSync(join(fleet, "terraform", "default.outputs.json"), "utf8"))).toEqual({
      tensor_address: "10.0.0.7",
    });
  });
});
