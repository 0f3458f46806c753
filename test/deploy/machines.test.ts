/**
 * Deploying NixOS and nix-darwin machines through the real code path and real OpenSSH, with fake
 * Nix tools: real `nix`, `nixos-rebuild` and a NixOS target cannot run here. Fake `nix`, `nix-env`
 * and `nix-store` come first on the PATH of the deploying process and of the sshd's logins; they
 * record every call and keep the "system profile" in a file (`nix-env --set` writes it, `nix
 * path-info` reads it). Fake systems are folders with a recording `bin/switch-to-configuration`
 * (NixOS) or `activate` (darwin), which fail when told to. The tests check the exact command lines
 * and how failures roll back.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sshds, startSshds } from "./sshd.js";

let sshds: Sshds;
let w: string;
const profile = "/nix/var/nix/profiles/system";
const fx = "--extra-experimental-features";

function script(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, `#!/bin/sh\nW=${w}\n${text}`);
  chmodSync(path, 0o755);
}

/** A fake system closure: its activation records the call and fails when `fail-<name>` exists. */
function system(name: string, activation: "bin/switch-to-configuration" | "activate"): string {
  const path = join(w, "store", name);
  script(
    join(path, activation),
    `echo "$0 $*" >>"$W/calls"\n[ "$1" != dry-activate ] || { echo "would restart the following units: nginx.service"; exit 0; }\n[ ! -e "$W/fail-${name}" ] || { echo "activation of ${name} failed: unit nginx.service failed" >&2; exit 4; }\n`,
  );
  return path;
}

/** The recorded calls since the last look. */
function calls(): string[] {
  const file = join(w, "calls");
  const lines = existsSync(file) ? readFileSync(file, "utf8").trimEnd().split("\n") : [];
  rmSync(file, { force: true });
  return lines;
}

const live = () => readFileSync(join(w, "profile"), "utf8").trim();
/** Makes `path` the live system and `next` the one `nix build` and `nix-store --realise` give. */
function given(path: string, next: string): void {
  writeFileSync(join(w, "profile"), `${path}\n`);
  writeFileSync(join(w, "next"), next);
  calls();
}

function writeFleet(webChecks: Record<string, unknown> = {}): void {
  const deploy = `deploy: { host: "127.0.0.1", user: "root", port: ${sshds.ports[0]} }`;
  writeFileSync(
    join(sshds.fleetDir, "modules/machines.ts"),
    'import { machine } from "grove";\n' +
      "export default { imports: [\n" +
      `  machine("web", { class: "nixos", system: "x86_64-linux", ${deploy},\n` +
      `    module: { deploy: { healthChecks: ${JSON.stringify(webChecks)} } } }),\n` +
      `  machine("mac", { class: "darwin", system: "aarch64-darwin", ${deploy} }),\n` +
      "] };\n",
  );
}

beforeAll(async () => {
  sshds = await startSshds(1, (_, work) => ({ PATH: `${join(work, "fakebin")}:/usr/bin:/bin` }));
  w = sshds.work;
  script(
    join(w, "fakebin/nix"),
    `echo "nix $*" >>"$W/calls"
to=
prev=
for a in "$@"; do
  [ "$prev" != --to ] || to=$a
  prev=$a
done
for a in "$@"; do
  case "$a" in
  build) printf '[{"drvPath":"/nix/store/x.drv","outputs":{"out":"%s"}}]\\n' "$(cat "$W/next")"; exit 0 ;;
  eval) echo /nix/store/fake-system.drv; exit 0 ;;
  path-info) cat "$W/profile"; exit 0 ;;
  copy)
    echo "  NIX_SSHOPTS=$NIX_SSHOPTS" >>"$W/calls"
    # As Nix does: ssh with NIX_SSHOPTS to the store URL's host, there \`nix-store --serve\`.
    exec ssh $NIX_SSHOPTS "\${to#ssh://}" nix-store --serve --write </dev/null ;;
  esac
done
exit 1
`,
  );
  script(
    join(w, "fakebin/nix-env"),
    `echo "nix-env $*" >>"$W/calls"\n[ "$3" != --set ] || printf '%s\\n' "$4" >"$W/profile"\n`,
  );
  script(
    join(w, "fakebin/nix-store"),
    `echo "nix-store $*" >>"$W/calls"\n[ "$1" != --realise ] || cat "$W/next"\n`,
  );
  writeFleet({ up: { command: `test -s ${join(w, "profile")}`, timeout: 5 } });
}, 60_000);

afterAll(() => sshds.stop());

const grove = (args: string[]) =>
  sshds.grove(["--confirm-timeout", "5", ...args], { PATH: `${join(w, "fakebin")}:${process.env.PATH}` });

describe("grove deploy of machines (fake nix tools on PATH)", { timeout: 30_000 }, () => {
  it("nixos activation (fake nix on PATH): exact command lines, over the shared connection", async () => {
    const old = system("nixos-1", "bin/switch-to-configuration");
    const next = system("nixos-2", "bin/switch-to-configuration");
    given(old, next);
    const r = await grove(["web"]);
    expect(r.stdout).toMatch(/web +ok/);
    expect(r.exitCode).toBe(0);
    const flake = join(sshds.fleetDir, ".grove/deploy/nix");
    const recorded = calls();
    expect(recorded.filter((c) => !c.startsWith("  "))).toEqual([
      `nix ${fx} nix-command flakes build --no-link --json path:${flake}#nixosConfigurations.web.config.system.build.toplevel`,
      `nix ${fx} nix-command path-info ${profile}`,
      `nix ${fx} nix-command flakes copy --to ssh://root@127.0.0.1 ${next}`,
      "nix-store --serve --write",
      `nix ${fx} nix-command path-info ${profile}`,
      `nix-env -p ${profile} --set ${next}`,
      `${next}/bin/switch-to-configuration switch`,
    ]);
    // The copy goes over the run's connection, with its host key checking.
    const opts = recorded.find((c) => c.startsWith("  NIX_SSHOPTS="))!;
    expect(opts).toContain("-o ControlMaster=no");
    expect(opts).toContain("-o StrictHostKeyChecking=yes");
    expect(opts).toMatch(/-o ControlPath=\S+\/%C/);
    expect(opts).toContain(`-p ${sshds.ports[0]} -l root`);
    expect(existsSync(join(flake, "machines/web.nix"))).toBe(true);
    expect(live()).toBe(next);
    expect(readFileSync(join(sshds.fleetDir, ".grove/logs/web.log"), "utf8")).toContain("health up (command");
  });

  it("nixos --dry-run (fake nix on PATH): built, copied, dry-activated; the live system unchanged", async () => {
    const old = system("nixos-dry-1", "bin/switch-to-configuration");
    const next = system("nixos-dry-2", "bin/switch-to-configuration");
    given(old, next);
    const r = await grove(["web", "--dry-run"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/web +planned/);
    expect(r.stdout).toContain(`system ${old} → ${next} (built here)`);
    expect(r.stdout).toContain("~ would restart the following units: nginx.service");
    expect(r.stdout).toContain("? health up: command");
    const recorded = calls().filter((c) => !c.startsWith("  "));
    expect(recorded).toContain(`nix ${fx} nix-command flakes copy --to ssh://root@127.0.0.1 ${next}`);
    expect(recorded.at(-1)).toBe(`${next}/bin/switch-to-configuration dry-activate`);
    // Nothing was switched: no profile set, no switch, the same live system.
    expect(recorded.filter((c) => c.startsWith("nix-env") || c.endsWith(" switch"))).toEqual([]);
    expect(live()).toBe(old);
  });

  it("nixos: a failing switch-to-configuration (fake) rolls back to the previous system", async () => {
    const old = system("nixos-2", "bin/switch-to-configuration");
    const next = system("nixos-3", "bin/switch-to-configuration");
    writeFileSync(join(w, "fail-nixos-3"), "");
    given(old, next);
    const r = await grove(["web"]);
    expect(r.stdout).toMatch(/web +rolled back at activate/);
    expect(r.stdout).toContain("activation of nixos-3 failed: unit nginx.service failed");
    expect(r.exitCode).toBe(1);
    expect(calls().slice(-4)).toEqual([
      `nix-env -p ${profile} --set ${next}`,
      `${next}/bin/switch-to-configuration switch`,
      `nix-env -p ${profile} --set ${old}`,
      `${old}/bin/switch-to-configuration switch`,
    ]);
    expect(live()).toBe(old);
  });

  it("nixos: a failing health check (fake nix on PATH) switches back to the previous system", async () => {
    writeFleet({ down: { command: "exit 1", timeout: 1 } });
    const old = system("nixos-2", "bin/switch-to-configuration");
    const next = system("nixos-4", "bin/switch-to-configuration");
    given(old, next);
    const r = await grove(["web"]);
    expect(r.stdout).toMatch(/web +rolled back at health/);
    expect(calls().slice(-2)).toEqual([
      `nix-env -p ${profile} --set ${old}`,
      `${old}/bin/switch-to-configuration switch`,
    ]);
    expect(live()).toBe(old);
    writeFleet();
  });

  it("--build-on target (fake nix on PATH): the derivation is evaluated here, copied and realised there", async () => {
    const old = system("nixos-2", "bin/switch-to-configuration");
    const next = system("nixos-5", "bin/switch-to-configuration");
    given(old, next);
    const r = await grove(["web", "--build-on", "target"]);
    expect(r.stdout).toMatch(/web +ok/);
    const flake = join(sshds.fleetDir, ".grove/deploy/nix");
    expect(calls().filter((c) => !c.startsWith("  ") && !c.includes("path-info"))).toEqual([
      `nix ${fx} nix-command flakes eval --raw path:${flake}#nixosConfigurations.web.config.system.build.toplevel.drvPath`,
      `nix ${fx} nix-command flakes copy --derivation --to ssh://root@127.0.0.1 /nix/store/fake-system.drv`,
      "nix-store --serve --write",
      "nix-store --realise /nix/store/fake-system.drv",
      `nix-env -p ${profile} --set ${next}`,
      `${next}/bin/switch-to-configuration switch`,
    ]);
    expect(live()).toBe(next);
  });

  it("--rollback of a machine (fake nix on PATH): the previous system's profile and switch", async () => {
    const r = await grove(["--rollback", "web"]);
    expect(r.stdout).toMatch(/web +ok/);
    const old = join(w, "store/nixos-2");
    expect(calls().slice(-2)).toEqual([
      `nix-env -p ${profile} --set ${old}`,
      `${old}/bin/switch-to-configuration switch`,
    ]);
    expect(live()).toBe(old);
  });

  it("darwin activation (fake nix on PATH): the system's profile, then its activate", async () => {
    const old = system("darwin-1", "activate");
    const next = system("darwin-2", "activate");
    given(old, next);
    const dry = await grove(["mac", "--dry-run"]);
    expect(dry.stdout).toContain(`system ${old} → ${next}`);
    expect(dry.stdout).toContain(`~ nix-darwin cannot dry-activate: switching would run ${next}/activate`);
    expect(calls().filter((c) => c.startsWith(next) || c.startsWith("nix-env"))).toEqual([]);
    expect(live()).toBe(old);
    const r = await grove(["mac"]);
    expect(r.stdout).toMatch(/mac +ok/);
    const recorded = calls();
    expect(recorded[0]).toBe(
      `nix ${fx} nix-command flakes build --no-link --json path:${join(sshds.fleetDir, ".grove/deploy/nix")}#darwinConfigurations.mac.system`,
    );
    expect(recorded.slice(-2)).toEqual([`nix-env -p ${profile} --set ${next}`, `${next}/activate`]);
    expect(live()).toBe(next);
  });
});
