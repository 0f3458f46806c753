/** `grove inventory`, `grove vars …` and `grove why` on a temporary fleet, through the built CLI. */
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { writeFleet } from "./helpers.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(REPO, "dist", "cli", "main.js");

async function grove(args: string[], cwd: string) {
  const r = await execa(process.execPath, [CLI, ...args], {
    cwd,
    reject: false,
    stdin: "ignore",
    env: { NO_COLOR: "1", HOME: cwd, SOPS_AGE_KEY: "", SOPS_AGE_KEY_FILE: "" },
  });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

const fleet = (files: Record<string, string>) => writeFleet(tmpdir(), files);

const files = {
  "modules/machines.ts": `import { machine } from "grove";
export default { imports: [
  machine("a", { class: "nixos", system: "x86_64-linux", tags: ["mesh"] }),
  machine("b", { class: "nixos", system: "x86_64-linux", tags: ["mesh"] }),
  machine("c", { class: "nixos", system: "x86_64-linux" }),
] };`,
  "modules/mesh.ts": `import { service, instance } from "grove";
export default { imports: [
  service("mesh", { roles: { peer: {
    interface: ({ lib }) => ({ options: { port: lib.mkOption({ type: lib.types.port, default: 51820 }) } }),
    generators: { "mesh-id": { files: { id: { secret: false } }, generate: ({ machine }) => ({ id: "id-" + machine }) } },
    perMachine: ({ settings, roles, machine, lib }) => ({ nixos: {
      networking: { firewall: { allowedUDPPorts: [settings.port] } },
      environment: { etc: { get peers() { return { text: Object.values(roles.peer.machines).filter((p) => p.name !== machine.name).map((p) => p.vars["mesh-id"].files.id.value).join(",") }; } } },
    } }),
  } } }),
  instance("mesh", { roles: { peer: { tags: ["mesh"], machines: { c: { settings: { port: 7 } } } } } }),
] };`,
  "modules/password.ts": `import { generator } from "grove";
export default generator("pw", { machines: ["c"], prompts: { pw: { type: "hidden" } }, files: { hash: { secret: false } }, script: 'cat "$prompts/pw" > "$out/hash"' });`,
};

describe("grove inventory and grove vars", () => {
  it("shows roles, generates only what is stale, and explains service definitions", async () => {
    const root = fleet(files);
    const inv = await grove(["inventory", "--json"], root);
    expect(inv.stderr).toBe("");
    expect(JSON.parse(inv.stdout)).toEqual({
      machines: {
        a: { tags: ["mesh", "all", "nixos"], roles: [{ instance: "mesh", service: "mesh", role: "peer" }] },
        b: { tags: ["mesh", "all", "nixos"], roles: [{ instance: "mesh", service: "mesh", role: "peer" }] },
        c: { tags: ["all", "nixos"], roles: [{ instance: "mesh", service: "mesh", role: "peer" }] },
      },
      instances: { mesh: { service: "mesh", roles: { peer: ["a", "b", "c"] } } },
    });

    const before = await grove(["vars", "check"], root);
    expect(before.exitCode).toBe(1);
    expect(before.stdout).toContain("a/mesh-id: missing");

    // No terminal: the prompt without a default is an error naming generator and prompt.
    const noPrompt = await grove(["vars", "generate", "--no-prompt"], root);
    expect(noPrompt.exitCode).toBe(1);
    expect(noPrompt.stderr).toMatch(/prompt `pw' of generator `pw'/);

    // What ran before the failing prompt is stored; only the prompted generator is missing.
    expect(noPrompt.stderr).toContain("generated c/mesh-id");
    const afterFailure = await grove(["vars", "check"], root);
    expect(afterFailure.stdout).toBe("c/pw: missing (hash, .hash)");
    const gen = await grove(["vars", "generate", "a"], root);
    expect(gen.exitCode).toBe(0);
    expect(gen.stderr).toBe("every var is up to date");
    const again = await grove(["vars", "generate", "b", "--regenerate"], root);
    expect(again.stderr).toBe("generated b/mesh-id");
    expect((await grove(["vars", "check", "a"], root)).exitCode).toBe(0);
    expect((await grove(["vars", "list", "a"], root)).stdout).toBe('a/mesh-id/id fresh "id-a"');

    const evaluated = await grove(["eval", "a", "environment.etc.peers.text"], root);
    expect(evaluated.stdout).toBe('"id-b,id-c"');
    expect(evaluated.stderr).toContain("");
    const why = await grove(["why", "c", "networking.firewall.allowedUDPPorts"], root);
    expect(why.stdout).toContain("instance mesh, role peer (service mesh)");
  }, 30_000);
});
