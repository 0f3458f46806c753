import { describe, expect, it } from "vitest";
import { deepForce, lazy, mkForce } from "../../src/lib/index.js";
import { aspect, evaluateProject, home, machine, user } from "../../src/project/index.js";

/** A project from in-memory files (each as the loader would wrap it). */
function project(...files: unknown[]) {
  return evaluateProject(
    files.map((m, i) => ({ _file: `modules/f${i}.ts`, key: `file:f${i}`, imports: [m] })),
  );
}

const server = (name: string, extra: Record<string, unknown> = {}) =>
  machine(name, { class: "nixos", system: "x86_64-linux", ...extra });

describe("the project", () => {
  it("merges one aspect defined in several files", () => {
    const p = project(
      aspect("base", { nixos: { networking: { firewall: { allowedTCPPorts: [22] } } } }),
      aspect("base", { nixos: { networking: { firewall: { allowedTCPPorts: [80] } } } }),
      server("a", { aspects: ["base"] }),
    );
    expect([...p.machine("a").config.networking.firewall.allowedTCPPorts].sort()).toEqual([22, 80]);
  });

  it("applies an aspect once, however often it is included", () => {
    const p = project(
      aspect("tools", {
        nixos: { environment: { variables: { X: "1" } }, networking: { firewall: { allowedTCPPorts: [1] } } },
      }),
      aspect("dev", { includes: ["tools"] }),
      aspect("ops", { includes: ["tools", "dev"] }),
      server("a", { aspects: ["dev", "ops", "tools"] }),
    );
    expect(deepForce(p.machine("a").config.networking.firewall.allowedTCPPorts)).toEqual([1]);
  });

  it("rejects a module of another class, naming both classes", () => {
    const p = project(
      { config: { modules: { home: { h: { programs: { git: { enable: true } } } } } } },
      { config: { modules: { nixos: { n: { imports: [{ _class: "home", config: {} }] } } } } },
      server("a", { aspects: ["n"] }),
    );
    expect(() => p.machine("a").config.networking).toThrowError(
      expect.objectContaining({
        code: "ClassMismatch",
        message: expect.stringMatching(/class: "home".*expects class "nixos"/s),
      }),
    );
  });

  it("calls parametric aspects with the machine and user they are used for", () => {
    const p = project(
      aspect("py", {
        for: ({ machine: m, user: u }) => ({
          home: ({ pkgs }: { pkgs: any }) => ({
            home: {
              packages: m.tags.includes("gpu") ? [pkgs.torch] : [pkgs.python3],
              sessionVariables: { WHO: u?.name ?? "?" },
            },
          }),
        }),
      }),
      user("ann", { home: ["py"] }),
      server("gpu1", { tags: ["gpu"], users: { ann: [] } }),
      server("web1", { users: { ann: [] } }),
    );
    const json = (v: unknown) => JSON.parse(JSON.stringify(v));
    expect(json(p.home("ann@gpu1").config.home.packages)).toEqual([{ $package: "torch" }]);
    expect(json(p.home("ann@web1").config.home.packages)).toEqual([{ $package: "python3" }]);
    expect(p.home("ann@web1").config.home.sessionVariables.WHO).toBe("ann");
  });

  it("lets a machine read every machine of the fleet without a cycle", () => {
    const knownHosts = aspect("known", {
      nixos: ({ project: top }: { project: any }) => ({
        environment: {
          variables: {
            get PEERS() {
              return Object.keys(top.machines).sort().join(",");
            },
          },
        },
      }),
    });
    const p = project(knownHosts, server("a", { aspects: ["known"] }), server("b", { aspects: ["known"] }));
    expect(p.machine("a").config.environment.variables.PEERS).toBe("a,b");
    expect(p.machine("b").config.environment.variables.PEERS).toBe("a,b");
  });

  it("evaluates integrated and standalone homes from the same user registry", () => {
    const p = project(
      aspect("shell", { home: { programs: { zsh: { enable: true } } } }),
      aspect("extra", { home: { programs: { starship: { enable: true } } } }),
      user("ann", { fullName: "Ann", email: "ann@example.org", home: ["shell"] }),
      server("a", { users: { ann: ["extra"] } }),
      machine("mac", { class: "darwin", system: "aarch64-darwin", users: { ann: [] } }),
      home("ann@shared", {
        system: "x86_64-linux",
        module: { home: { sessionVariables: { TMP: "/scratch" } } },
      }),
    );
    expect(p.homeTargets().map((t) => `${t.id}:${t.standalone}`)).toEqual([
      "ann@a:false",
      "ann@mac:false",
      "ann@shared:true",
    ]);
    const integrated = p.home("ann@a").config;
    expect(integrated.home.homeDirectory).toBe("/home/ann");
    expect(integrated.programs.zsh.enable).toBe(true);
    expect(integrated.programs.starship.enable).toBe(true);
    expect(integrated.programs.git.userEmail).toBe("ann@example.org");
    expect(p.home("ann@mac").config.home.homeDirectory).toBe("/Users/ann");
    const standalone = p.home("ann@shared").config;
    expect(standalone.programs.zsh.enable).toBe(true);
    expect(standalone.programs.starship.enable).toBe(false);
    expect(standalone.home.sessionVariables.TMP).toBe("/scratch");
    // The machine's account comes from the registry too.
    expect(p.machine("a").config.users.users.ann.description).toBe("Ann");
  });

  it("keeps priorities across aspects and the machine's own module", () => {
    const p = project(
      aspect("ssh", { nixos: { networking: { firewall: { allowedTCPPorts: [22] } } } }),
      server("a", {
        aspects: ["ssh"],
        module: { networking: { firewall: { allowedTCPPorts: mkForce([2222]) } } },
      }),
    );
    expect(deepForce(p.machine("a").config.networking.firewall.allowedTCPPorts)).toEqual([2222]);
  });

  it("passes undeclared options through, merged as Nix would", () => {
    const p = project(
      aspect("web", {
        nixos: {
          services: { nginx: { enable: true, virtualHosts: { a: { root: "/a" } } } },
          boot: { kernelModules: ["kvm"] },
        },
      }),
      aspect("more", {
        nixos: {
          services: { nginx: { virtualHosts: { b: { root: "/b" } } } },
          boot: { kernelModules: ["tun"] },
        },
      }),
      server("a", { aspects: ["web", "more"] }),
    );
    const config = deepForce(p.machine("a").config) as any;
    expect(config.services.nginx).toEqual({
      enable: true,
      virtualHosts: { a: { root: "/a" }, b: { root: "/b" } },
    });
    expect([...config.boot.kernelModules].sort()).toEqual(["kvm", "tun"]);
    expect(config.services.openssh.enable).toBe(false);
  });

  it("evaluates perSystem modules once per system, with that system", () => {
    const p = project({
      config: {
        perSystem: ({ system, pkgs }: { system: string; pkgs: any }) => ({
          packages: { default: pkgs.hello },
          devShells: { default: { name: `shell-${system}` } },
        }),
      },
    });
    expect(p.perSystem("aarch64-darwin").config.devShells.default).toEqual({ name: "shell-aarch64-darwin" });
    expect(JSON.parse(JSON.stringify(p.perSystem("x86_64-linux").config.packages))).toEqual({
      default: { $package: "hello" },
    });
    expect(() => p.perSystem("x86_64-linx")).toThrowError(
      expect.objectContaining({ hint: expect.stringContaining("x86_64-linux") }),
    );
  });

  it("takes a machine's deploy address from a terraform output when it names one", () => {
    const p = project(
      server("vm", { deploy: { hostFromOutput: "vm_address", user: "admin" } }),
      server("plain", { deploy: { host: "plain.example.org" } }),
      { config: { terraform: { outputs: { vm_address: "203.0.113.7" } } } },
    );
    expect(p.machineInfo("vm").deploy).toEqual({ host: "203.0.113.7", user: "admin", port: 22 });
    expect(p.machineInfo("plain").deploy.host).toBe("plain.example.org");
    const missing = project(server("vm", { deploy: { hostFromOutput: "nope" } }));
    expect(missing.machineInfo("vm").deploy.host).toBeNull();
  });

  it("evaluates nothing until asked", () => {
    let evaluated = 0;
    const p = project(
      aspect("counted", {
        nixos: {
          networking: {
            domain: lazy(() => {
              evaluated++;
              return "x";
            }),
          },
        },
      }),
      server("a", { aspects: ["counted"] }),
      server("b", { aspects: ["counted"] }),
    );
    expect(p.machineNames()).toEqual(["a", "b"]);
    expect(evaluated).toBe(0);
    expect(p.machine("a").config.networking.domain).toBe("x");
    expect(evaluated).toBe(1);
  });
});

describe("bad input", () => {
  it("names a missing aspect and suggests the nearest", () => {
    const p = project(aspect("shell", { nixos: {} }), server("a", { aspects: ["shel"] }));
    expect(() => p.machine("a")).toThrowError(
      expect.objectContaining({
        code: "UnknownAspect",
        message: expect.stringContaining("`shel'"),
        hint: expect.stringContaining("`shell'"),
      }),
    );
  });

  it("rejects a machine of unknown class, naming the option and the file and line that defined it", () => {
    const p = project(machine("a", { class: "windows" as never, system: "x86_64-windows" }));
    expect(() => p.machineNames().map((m) => p.machine(m))).toThrowError(
      expect.objectContaining({
        code: "TypeMismatch",
        path: ["machines", "a", "class"],
        file: "test/project/project.test.ts",
        line: expect.any(Number),
        message: expect.stringContaining('"windows"'),
      }),
    );
  });

  it("reports an eager config read at the top of a module with the fix", () => {
    const p = project(
      aspect("eager", {
        nixos: ({ config }: { config: any }) => ({ networking: { domain: config.networking.hostName } }),
      }),
      server("a", { aspects: ["eager"] }),
    );
    expect(() => p.machine("a").config).toThrowError(
      expect.objectContaining({ code: "EagerConfigRead", hint: expect.stringContaining("getter") }),
    );
  });

  it("reports an aspect that includes itself through others", () => {
    const p = project(
      aspect("a", { includes: ["b"] }),
      aspect("b", { includes: ["a"] }),
      server("m", { aspects: ["a"] }),
    );
    expect(() => p.machine("m")).toThrowError(
      expect.objectContaining({ code: "AspectCycle", message: expect.stringContaining("a → b → a") }),
    );
  });

  it("names an unknown machine and an unknown home", () => {
    const p = project(server("alpha"));
    expect(() => p.machine("alpah")).toThrowError(
      expect.objectContaining({ code: "UnknownMachine", hint: expect.stringContaining("alpha") }),
    );
    expect(() => p.home("x@alpha")).toThrowError(expect.objectContaining({ code: "UnknownHome" }));
  });
});
