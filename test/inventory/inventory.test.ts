import { describe, expect, it } from "vitest";
import { instance, inventoryExtension, service } from "../../src/inventory/index.js";
import { deepForce, lib } from "../../src/lib/index.js";
import { evaluateProject, machine } from "../../src/project/index.js";

const noFiles = { read: () => undefined };

function fleet(...files: unknown[]) {
  const ext = inventoryExtension(noFiles);
  const project = evaluateProject(
    files.map((m, i) => ({ _file: `modules/f${i}.ts`, key: `file:f${i}`, imports: [m] })),
    [ext],
  );
  return { project, inventory: ext.inventory(project) };
}

const nixos = (name: string, tags: string[] = []) =>
  machine(name, { class: "nixos", system: "x86_64-linux", tags });

const mesh = service("mesh", {
  roles: {
    peer: {
      interface: {
        options: {
          port: lib.mkOption({ type: lib.types.port, default: 51820 }),
          extra: lib.mkOption({ type: lib.types.listOf(lib.types.str), default: [] }),
        },
      },
      perMachine: ({ settings, roles, machine: m }) => ({
        nixos: {
          networking: { firewall: { allowedUDPPorts: [settings.port] } },
          environment: {
            etc: {
              get peers() {
                const others = Object.values(roles.peer!.machines).filter((p) => p.name !== m.name);
                return { text: others.map((p) => `${p.name}:${p.settings.port}`).join(",") };
              },
            },
          },
        },
      }),
    },
  },
});

describe("the inventory", () => {
  it("assigns roles by tag (with the built-in tags) and by machine", () => {
    const { inventory } = fleet(
      mesh,
      nixos("a", ["mesh"]),
      nixos("b"),
      nixos("c", ["mesh"]),
      machine("d", { class: "darwin", system: "aarch64-darwin" }),
      instance("net", { service: "mesh", roles: { peer: { tags: ["mesh"], machines: { b: {} } } } }),
      instance("lan", { service: "mesh", roles: { peer: { tags: ["darwin", "nosuch"] } } }),
    );
    expect(inventory.instances().map((i) => [i.name, i.roles])).toEqual([
      ["lan", { peer: ["d"] }],
      ["net", { peer: ["a", "b", "c"] }],
    ]);
    expect(inventory.rolesOf("b")).toEqual([{ instance: "net", service: "mesh", role: "peer" }]);
    expect(inventory.warnings).toEqual([expect.stringContaining("`nosuch'")]);
  });

  it("merges settings instance < role < machine with the module system's priorities", () => {
    const { inventory } = fleet(
      mesh,
      nixos("a"),
      nixos("b"),
      instance("net", {
        service: "mesh",
        settings: { extra: ["instance"], port: lib.mkDefault(1000) },
        roles: {
          peer: {
            machines: {
              a: { settings: { extra: ["machine"], port: 3000 } },
              b: { settings: { port: lib.mkForce(4000) } },
            },
            settings: { extra: ["role"], port: 2000 },
          },
        },
      }),
    );
    expect(() => inventory.settings("net", "peer", "a").config.port).toThrowError(
      expect.objectContaining({ code: "Conflict" }),
    );
    expect(inventory.settings("net", "peer", "b").config.port).toBe(4000);
    expect(deepForce(inventory.settings("net", "peer", "a").config.extra)).toEqual([
      "instance",
      "role",
      "machine",
    ]);
    const { inventory: defaults } = fleet(
      mesh,
      nixos("a"),
      instance("net", {
        service: "mesh",
        roles: { peer: { machines: { a: {} }, settings: { port: lib.mkDefault(7) } } },
      }),
    );
    expect(defaults.settings("net", "peer", "a").config.port).toBe(7);
  });

  it("gives each machine its role modules and lets roles read other members' settings", () => {
    const { project } = fleet(
      mesh,
      nixos("a", ["mesh"]),
      nixos("b", ["mesh"]),
      instance("net", {
        service: "mesh",
        roles: { peer: { tags: ["mesh"], machines: { b: { settings: { port: 9 } } } } },
      }),
    );
    const a = project.machine("a").config;
    expect(deepForce(a.networking.firewall.allowedUDPPorts)).toEqual([51820]);
    expect(a.environment.etc.peers.text).toBe("b:9");
    expect(project.machine("b").config.environment.etc.peers.text).toBe("a:51820");
  });

  it("applies two instances of one service to one machine", () => {
    const { project } = fleet(
      mesh,
      nixos("a"),
      instance("one", { service: "mesh", roles: { peer: { machines: { a: {} } } } }),
      instance("two", { service: "mesh", roles: { peer: { machines: { a: {} }, settings: { port: 2 } } } }),
    );
    expect(
      (deepForce(project.machine("a").config.networking.firewall.allowedUDPPorts) as number[]).sort(),
    ).toEqual([2, 51820]);
  });

  it("adds home parts to the homes on a member machine, and reads across roles", () => {
    const backup = service("backup", {
      roles: {
        server: { interface: { options: { port: lib.mkOption({ type: lib.types.port, default: 22 }) } } },
        client: {
          perMachine: ({ roles }) => ({
            home: {
              programs: {
                ssh: {
                  matchBlocks: Object.fromEntries(
                    Object.values(roles.server!.machines).map((s) => [s.name, { port: s.settings.port }]),
                  ),
                },
              },
            },
          }),
        },
      },
    });
    const { project } = fleet(
      backup,
      nixos("srv"),
      machine("lap", { class: "nixos", system: "x86_64-linux", users: { alice: [] } }),
      { config: { users: { alice: {} } } },
      instance("backup", {
        roles: {
          server: { machines: { srv: { settings: { port: 2222 } } } },
          client: { machines: { lap: {} } },
        },
      }),
    );
    expect(deepForce(project.home("alice@lap").config.programs.ssh.matchBlocks)).toMatchObject({
      srv: { port: 2222 },
    });
  });

  it("reports unknown services, roles and machines", () => {
    expect(() =>
      fleet(mesh, instance("x", { service: "mesj", roles: {} })).inventory.instances(),
    ).toThrowError(
      expect.objectContaining({ code: "UnknownService", hint: expect.stringContaining("mesh") }),
    );
    expect(() =>
      fleet(mesh, instance("x", { service: "mesh", roles: { per: {} } })).inventory.instances(),
    ).toThrowError(expect.objectContaining({ code: "UnknownRole", hint: expect.stringContaining("`peer'") }));
    expect(() =>
      fleet(
        mesh,
        nixos("alpha"),
        instance("x", { service: "mesh", roles: { peer: { machines: { alpah: {} } } } }),
      ).inventory.instances(),
    ).toThrowError(
      expect.objectContaining({ code: "UnknownMachine", hint: expect.stringContaining("alpha") }),
    );
  });
});
