/**
 * `grove tf` through the real built CLI (`node dist/cli/main.js`) and the real terraform, offline:
 * the example configuration validated and planned, apply and output, an interrupted apply, and the
 * errors a user meets first.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { statePaths } from "../../src/render/terraform/index.js";
import { type Fleet, makeFleet, plaintextStates, resources, showState } from "../render/terraform/helpers.js";
import { REPO } from "../secrets/helpers.js";

const CLI = join(REPO, "dist", "cli", "main.js");
const EXAMPLE = join(REPO, "examples", "terraform", "hosts.ts");

async function grove(fleet: Fleet, args: string[], env: Record<string, string> = {}) {
  const r = await execa(process.execPath, [CLI, ...args], {
    cwd: fleet.dir,
    env: { ...fleet.env, ...env },
    extendEnv: false,
    reject: false,
    stdin: "ignore",
  });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe("grove tf", () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await makeFleet();
  });

  it("plans the example configuration, which terraform validates", async () => {
    const r = await grove(fleet, ["tf", "plan", "--dir", fleet.dir, "--config", EXAMPLE]);
    expect(r.stderr).not.toContain("error[");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Plan: 2 to add, 0 to change, 0 to destroy.");
    const workdir = statePaths(fleet.dir, "default").workdir;
    const validate = execFileSync("terraform", ["validate", "-json"], {
      cwd: workdir,
      env: fleet.env,
      encoding: "utf8",
    });
    expect(JSON.parse(validate)).toMatchObject({ valid: true, error_count: 0 });
    // A plan of a workspace without state writes no state.
    expect(existsSync(statePaths(fleet.dir, "default").encrypted)).toBe(false);
  });

  it("applies and prints the outputs as a plain map on stdout", async () => {
    const apply = await grove(fleet, ["tf", "apply", "--auto-approve", "--config", EXAMPLE]);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("Apply complete! Resources: 2 added");
    expect(apply.stderr).toContain("grove: encrypted the Terraform state to");
    const output = await grove(fleet, ["tf", "output", "--config", EXAMPLE]);
    expect(output.code).toBe(0);
    expect(JSON.parse(output.stdout)).toEqual({
      hosts: { cinnabar: "cinnabar.example.org", electrum: "electrum.example.org" },
    });
    expect(plaintextStates(fleet)).toEqual([]);
  });

  it("keeps workspaces apart", async () => {
    const r = await grove(fleet, [
      "tf",
      "apply",
      "--auto-approve",
      "--workspace",
      "staging",
      "--config",
      EXAMPLE,
    ]);
    expect(r.code).toBe(0);
    expect(Object.keys(resources(await showState(fleet, "staging")))).toHaveLength(2);
    expect(existsSync(join(fleet.dir, "terraform", "staging.tfstate.sops"))).toBe(true);
  });

  it("re-encrypts the state when stopped mid-apply, leaving no plaintext", async () => {
    const marker = join(fleet.dir, "provisioning");
    const config = join(fleet.dir, "slow.json");
    writeFileSync(
      config,
      JSON.stringify({
        resource: {
          terraform_data: {
            first: { input: "done" },
            slow: {
              input: "slow",
              depends_on: [],
              provisioner: [{ "local-exec": { command: `touch ${marker}; exec sleep 30` } }],
            },
          },
        },
      }),
    );
    const child = execa(
      process.execPath,
      [CLI, "tf", "apply", "--auto-approve", "--workspace", "stopped", "--config", config],
      {
        cwd: fleet.dir,
        env: fleet.env,
        extendEnv: false,
        reject: false,
        stdin: "ignore",
      },
    );
    const started = Date.now();
    while (!existsSync(marker)) {
      if (Date.now() - started > 20_000) throw new Error("the provisioner never started");
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGTERM");
    const r = await child;
    expect(r.exitCode).toBe(1);
    expect(String(r.stderr)).toMatch(/error\[TerraformFailed\]/);
    // Terraform stopped the provisioner instead of waiting out its 30 s.
    expect(Date.now() - started).toBeLessThan(25_000);
    const byAddress = resources(await showState(fleet, "stopped"));
    expect(byAddress["terraform_data.first"]?.output).toBe("done");
    expect(plaintextStates(fleet)).toEqual([]);
    expect(existsSync(statePaths(fleet.dir, "stopped").lock)).toBe(false);
  });

  it("says clearly when terraform is missing, there is no fleet, or the configuration cannot be loaded", async () => {
    const missing = await grove(fleet, ["tf", "plan", "--config", EXAMPLE], { PATH: "/nonexistent" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error[TerraformNotFound]");
    expect(missing.stderr).toContain("hint: Install Terraform");

    // Without --config the fleet's own terraform is used: here there is no fleet.
    const noConfig = await grove(fleet, ["tf", "plan"]);
    expect(noConfig.code).toBe(1);
    expect(noConfig.stderr).toContain("error[FleetNotFound]");

    const broken = join(fleet.dir, "broken.ts");
    writeFileSync(broken, "export default {;\n");
    const load = await grove(fleet, ["tf", "plan", "--config", broken]);
    expect(load.code).toBe(1);
    expect(load.stderr).toContain("error[TerraformConfigLoad]");
    expect(load.stderr).toContain(broken);

    const bad = join(fleet.dir, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({ resource: { terraform_data: { a: { depends_on: ["terraform_data.b"] } } } }),
    );
    const invalid = await grove(fleet, ["tf", "plan", "--config", bad]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("error[TerraformBadValue]");
    expect(invalid.stderr).toContain('at: resource.terraform_data.a.depends_on."0"');
    expect(invalid.stderr).toContain("hint: Terraform wants a bare reference here");
    expect(readFileSync(join(fleet.dir, "sops", "users", "admin.json"), "utf8")).toContain("age1");
  });
});
