/**
 * The real terraform (1.11, offline, built-in `terraform_data` and the local backend) run by
 * `runTerraform` on a temporary fleet; state checked with `terraform show -json` and at rest.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ref, tf } from "../../../src/classes/terraform/index.js";
import { GroveError } from "../../../src/errors.js";
import { runTerraform, statePaths, terraformOutputs } from "../../../src/render/terraform/index.js";
import { Secret } from "../../../src/secrets/index.js";
import { evalTerraform } from "../../classes/terraform/helpers.js";
import { type Fleet, makeFleet, plaintextStates, resources, showState, storedState } from "./helpers.js";

async function errorOf(p: Promise<unknown>): Promise<GroveError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GroveError) return e;
    throw e;
  }
  throw new Error("expected a GroveError");
}

const a = tf.resource("terraform_data", "a");

/** Two resources, a literal `${` that must survive, a counted one, and outputs (one sensitive). */
const hosts = {
  _file: "modules/cloud/hosts.ts",
  resource: {
    terraform_data: {
      a: { input: "web-${literal}-%{also}" },
      b: { input: ref(a, "output"), depends_on: [a] },
      node: { count: 2, input: tf.template`node-${tf.expr`count.index`}` },
    },
  },
  output: {
    web_host: { value: ref(tf.resource("terraform_data", "b"), "output") },
    nodes: { value: tf.expr`${tf.resource("terraform_data", "node")}[*].output` },
    token: { value: "s3cret-token", sensitive: true },
  },
};

describe("runTerraform with the real terraform", () => {
  let fleet: Fleet;
  const log: string[] = [];
  const opts = () => ({
    fleet: fleet.dir,
    env: fleet.env,
    output: (t: string) => log.push(t),
    note: (t: string) => log.push(`note: ${t}\n`),
  });

  beforeAll(async () => {
    fleet = await makeFleet();
  });

  it("applies, keeps the state encrypted at rest, plans no changes after, reads outputs, destroys", async () => {
    const config = evalTerraform(hosts);
    const applied = await runTerraform("apply", { ...opts(), config, autoApprove: true });
    expect(applied.stateWritten).toBe(true);

    const shown = await showState(fleet);
    const byAddress = resources(shown);
    expect(Object.keys(byAddress).sort()).toEqual([
      "terraform_data.a",
      "terraform_data.b",
      "terraform_data.node[0]",
      "terraform_data.node[1]",
    ]);
    expect(byAddress["terraform_data.a"].output).toBe("web-${literal}-%{also}");
    expect(byAddress["terraform_data.b"].output).toBe("web-${literal}-%{also}");
    expect(byAddress["terraform_data.node[1]"].output).toBe("node-1");

    // At rest: a SOPS binary file, no plaintext state anywhere in the fleet.
    const paths = statePaths(fleet.dir, "default");
    const atRest = JSON.parse(readFileSync(paths.encrypted, "utf8"));
    expect(atRest.data).toMatch(/^ENC\[AES256_GCM,data:/);
    expect(atRest.sops.age).toHaveLength(1);
    expect(plaintextStates(fleet)).toEqual([]);
    expect(existsSync(paths.plaintextDir)).toBe(false);
    expect(existsSync(paths.lock)).toBe(false);
    expect(readFileSync(join(fleet.dir, ".grove", "terraform", ".gitignore"), "utf8")).toContain("*");

    // A plan reads the state (no changes) and leaves the stored file as it was.
    const before = readFileSync(paths.encrypted, "utf8");
    log.length = 0;
    const planned = await runTerraform("plan", { ...opts(), config });
    expect(log.join("")).toContain("No changes.");
    expect(planned.stateWritten).toBe(false);
    expect(readFileSync(paths.encrypted, "utf8")).toBe(before);

    // The hand-off: a plain map of outputs, the sensitive one behind Secret.
    const outputs = await terraformOutputs({ ...opts(), config });
    expect(outputs.web_host).toBe("web-${literal}-%{also}");
    expect(outputs.nodes).toEqual(["node-0", "node-1"]);
    expect(outputs.token).toBeInstanceOf(Secret);
    expect((outputs.token as Secret<string>).reveal()).toBe("s3cret-token");
    expect(plaintextStates(fleet)).toEqual([]);

    await runTerraform("destroy", { ...opts(), config, autoApprove: true });
    expect(resources(await showState(fleet))).toEqual({});
    expect(plaintextStates(fleet)).toEqual([]);
    expect(log.join("")).not.toContain("s3cret-token");
  });

  it("encrypts what a failed apply created and leaves no plaintext", async () => {
    const failing = {
      resource: {
        terraform_data: {
          ok: { input: "created" },
          broken: {
            input: "x",
            depends_on: [tf.resource("terraform_data", "ok")],
            provisioner: [{ "local-exec": { command: "echo failing on purpose; exit 3" } }],
          },
        },
      },
    };
    const e = await errorOf(
      runTerraform("apply", {
        ...opts(),
        workspace: "failing",
        config: evalTerraform(failing),
        autoApprove: true,
      }),
    );
    expect(e.code).toBe("TerraformFailed");
    expect(e.message).toContain("terraform apply");
    const byAddress = resources(await showState(fleet, "failing"));
    expect(byAddress["terraform_data.ok"]?.output).toBe("created");
    // Terraform records a resource whose provisioner failed as tainted: it is in the state.
    expect(Object.keys(byAddress)).toContain("terraform_data.broken");
    expect(plaintextStates(fleet)).toEqual([]);
  });

  it("recovers the plaintext state a crashed run left behind its stale lock", async () => {
    const config = evalTerraform({ resource: { terraform_data: { kept: { input: "v1" } } } });
    await runTerraform("apply", { ...opts(), workspace: "crash", config, autoApprove: true });
    const stored = JSON.parse((await storedState(fleet, "crash")).toString("utf8"));

    // What a run killed mid-apply leaves: its lock (its process gone) and a newer plaintext state.
    const paths = statePaths(fleet.dir, "crash");
    const dead = Number(execFileSync("sh", ["-c", "sh -c 'echo $$'"], { encoding: "utf8" }).trim());
    writeFileSync(paths.lock, `${dead}\n`);
    mkdirSync(paths.plaintextDir, { recursive: true });
    const left = { ...stored, serial: stored.serial + 1 };
    writeFileSync(paths.plaintext, JSON.stringify(left));

    log.length = 0;
    await runTerraform("plan", { ...opts(), workspace: "crash", config });
    expect(log.join("")).toContain("taking over the lock");
    expect(log.join("")).toContain(
      `recovered the Terraform state an interrupted run left (serial ${left.serial})`,
    );
    expect(JSON.parse((await storedState(fleet, "crash")).toString("utf8")).serial).toBe(left.serial);
    expect(plaintextStates(fleet)).toEqual([]);
    expect(existsSync(paths.lock)).toBe(false);
  });

  it("refuses a workspace whose lock a live process holds, touching nothing", async () => {
    const paths = statePaths(fleet.dir, "busy");
    mkdirSync(paths.workdir, { recursive: true });
    writeFileSync(paths.lock, `${process.pid}\n`);
    const e = await errorOf(
      runTerraform("plan", { ...opts(), workspace: "busy", config: evalTerraform(hosts) }),
    );
    expect(e.code).toBe("TerraformLocked");
    expect(e.file).toBe(paths.lock);
    expect(existsSync(join(paths.workdir, "main.tf.json"))).toBe(false);
    expect(readFileSync(paths.lock, "utf8")).toBe(`${process.pid}\n`);
  });

  it("leaves the state to a backend the configuration names itself", async () => {
    const own = join(fleet.dir, "elsewhere.tfstate");
    const config = evalTerraform(hosts, { terraform: { backend: { local: { path: own } } } });
    log.length = 0;
    const result = await runTerraform("apply", { ...opts(), workspace: "own", config, autoApprove: true });
    expect(result.stateWritten).toBe(false);
    expect(log.join("")).toContain("names its own backend");
    expect(existsSync(statePaths(fleet.dir, "own").encrypted)).toBe(false);
    expect(JSON.parse(readFileSync(own, "utf8")).resources.length).toBeGreaterThan(0);
  });
});

describe("runTerraform before terraform runs", () => {
  it("says clearly when terraform is not installed", async () => {
    const fleet = await makeFleet();
    const config = evalTerraform(hosts);
    const onPath = await errorOf(
      runTerraform("plan", { fleet: fleet.dir, config, env: { ...fleet.env, PATH: "/nonexistent" } }),
    );
    expect(onPath.code).toBe("TerraformNotFound");
    expect(onPath.hint).toContain("GROVE_TERRAFORM");
    const named = await errorOf(
      runTerraform("plan", {
        fleet: fleet.dir,
        config,
        env: { ...fleet.env, GROVE_TERRAFORM: "/nonexistent/terraform" },
      }),
    );
    expect(named.code).toBe("TerraformNotFound");
    expect(named.file).toBe("/nonexistent/terraform");
  });

  it("refuses to start when the state could not be encrypted to anyone", async () => {
    const fleet = await makeFleet();
    const e = await errorOf(
      runTerraform("plan", {
        fleet: fleet.dir,
        config: evalTerraform(hosts),
        env: fleet.env,
        storeDir: join(fleet.dir, "no-store"),
      }),
    );
    expect(e.code).toBe("SecretNoRecipients");
    expect(existsSync(statePaths(fleet.dir, "default").lock)).toBe(false);
  });

  it("rejects workspace names that are not file names", async () => {
    const fleet = await makeFleet();
    const e = await errorOf(
      runTerraform("plan", {
        fleet: fleet.dir,
        config: evalTerraform(hosts),
        env: fleet.env,
        workspace: "../x",
      }),
    );
    expect(e.code).toBe("Usage");
  });
});
