/** From an evaluated `home` configuration to the engine's spec: every option, every refusal, determinism. */
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import {
  buildGeneration,
  type HomeConfig,
  homeSpecFromConfig,
  sessionVarsFile,
} from "../../src/activate/index.js";
import { classModules, packageSet, passthroughValue } from "../../src/classes/index.js";
import { deepForce, evalModules } from "../../src/lib/index.js";
import {
  renderGitConfig,
  renderSessionVarsSh,
  renderSshConfig,
  renderStarshipToml,
} from "../../src/render/home/index.js";
import { type Sandbox, sandbox } from "./helpers.js";

const pkgs = packageSet(["stable"]);

/** A home evaluated by the real module system, as `grove home` evaluates one, as plain data. */
function homeConfig(...modules: unknown[]): HomeConfig {
  const evaluation = evalModules({
    class: "home",
    passthrough: passthroughValue,
    specialArgs: { pkgs },
    modules: [
      ...classModules("home"),
      { _file: "identity", config: { home: { username: "alice", homeDirectory: "/home/alice" } } },
      ...modules.map((m, i) => ({ _file: `module${i}`, config: m })),
    ],
  });
  return deepForce(evaluation.config) as HomeConfig;
}

/** Sources that exist in the imagined fleet repository. */
const repo: Record<string, "file" | "folder"> = { "dotfiles/vimrc": "file", "dotfiles/nvim": "folder" };
const opts = { sourceKind: (p: string) => repo[p] };
const convert = (...modules: unknown[]) => homeSpecFromConfig(homeConfig(...modules), opts);

function refusal(fn: () => unknown): { code: string; path: readonly string[] | undefined; message: string } {
  try {
    fn();
  } catch (e) {
    const err = e as { code: string; path: readonly string[] | undefined; message: string };
    return { code: err.code, path: err.path, message: err.message };
  }
  throw new Error("expected a refusal");
}

describe("files from home.file and xdg", () => {
  it("places each kind under its folder with its options, skipping disabled entries", () => {
    const r = convert({
      home: {
        file: {
          ".vimrc": { source: "dotfiles/vimrc", executable: false },
          "bin/hello": { text: "#!/bin/sh\necho hi\n", executable: true, onChange: "hash -r" },
          gone: { text: "x", enable: false },
          "/home/alice/.abs": { text: "abs" },
          renamed: { text: "r", target: "./notes//today.md", force: true },
        },
      },
      xdg: {
        configFile: {
          nvim: { source: "dotfiles/nvim", recursive: true },
          "Code/User/settings.json": { text: "{}", mutable: true },
        },
        dataFile: { "fonts/x.txt": { text: "f" } },
      },
    });
    expect(r.spec.files).toEqual({
      ".abs": { text: "abs" },
      ".config/Code/User/settings.json": { text: "{}", mutable: true },
      ".config/nvim": { folder: "dotfiles/nvim", recursive: true },
      ".local/share/fonts/x.txt": { text: "f" },
      ".vimrc": { file: "dotfiles/vimrc", executable: false },
      "bin/hello": { text: "#!/bin/sh\necho hi\n", executable: true, onChange: "hash -r" },
      "notes/today.md": { text: "r", force: true },
    });
    expect(Object.keys(r.spec.files)).toEqual(Object.keys(r.spec.files).sort());
    expect(r.spec.activation).toBeUndefined();
    expect([r.username, r.homeDirectory]).toEqual(["alice", "/home/alice"]);
  });

  it("refuses bad entries, naming the option path", () => {
    const cases: [unknown, string, string[]][] = [
      [
        { home: { file: { x: { text: "a", source: "dotfiles/vimrc" } } } },
        "HomeConfigInvalid",
        ["home", "file", "x", "text"],
      ],
      [{ home: { file: { x: {} } } }, "HomeConfigInvalid", ["home", "file", "x"]],
      [{ home: { file: { x: { source: "nope" } } } }, "HomeSourceMissing", ["home", "file", "x", "source"]],
      [
        { home: { file: { x: { text: "a", recursive: true } } } },
        "HomeConfigInvalid",
        ["home", "file", "x", "recursive"],
      ],
      [
        { xdg: { configFile: { x: { source: "dotfiles/nvim", mutable: true } } } },
        "HomeConfigInvalid",
        ["xdg", "configFile", "x", "mutable"],
      ],
      [
        { home: { file: { x: { text: "a", target: "/etc/passwd" } } } },
        "HomeConfigInvalid",
        ["home", "file", "x", "target"],
      ],
      [
        { xdg: { dataFile: { x: { text: "a", target: "../../.bashrc" } } } },
        "HomeConfigInvalid",
        ["xdg", "dataFile", "x", "target"],
      ],
      [
        { home: { file: { x: { text: "a", target: "." } } } },
        "HomeConfigInvalid",
        ["home", "file", "x", "target"],
      ],
    ];
    for (const [module, code, path] of cases) {
      const r = refusal(() => convert(module));
      expect({ code: r.code, path: r.path }).toEqual({ code, path });
    }
    expect(refusal(() => convert({ home: { file: { x: {} } } })).message).toBe(
      "home.file.x sets neither `text` nor `source`; give it one (or `enable = false`).",
    );
  });

  it("gives secrets their mode (default 0400) and refuses a bad one at secrets.<name>.mode", () => {
    const secret = (name: string) => () => `plaintext of ${name}`;
    const r = homeSpecFromConfig(
      homeConfig({ secrets: { a: { target: ".a" }, b: { target: ".b", mode: "440" } } }),
      { ...opts, secret },
    );
    expect(r.spec.files[".a"]).toMatchObject({ secret: "a", mode: "0400" });
    expect(r.spec.files[".b"]).toMatchObject({ secret: "b", mode: "0440" });
    for (const [mode, why] of [
      ["0755", "only read bits and the owner's write bit are allowed"],
      ["0640x", "not an octal file mode of three or four digits"],
      ["rw", "not an octal file mode of three or four digits"],
      ["04400", "not an octal file mode of three or four digits"],
      ["0040", "the owner cannot read it"],
      ["0460", "only read bits and the owner's write bit are allowed"],
      ["4400", "only read bits and the owner's write bit are allowed"],
    ]) {
      const e = refusal(() =>
        homeSpecFromConfig(homeConfig({ secrets: { "gh-token": { target: ".t", mode } } }), {
          ...opts,
          secret,
        }),
      );
      expect({ code: e.code, path: e.path }).toEqual({
        code: "HomeConfigInvalid",
        path: ["secrets", "gh-token", "mode"],
      });
      expect(e.message).toBe(`secrets.gh-token.mode is \`${mode}\`: ${why}.`);
    }
  });

  it("refuses two options that manage one path, naming both", () => {
    const both = refusal(() =>
      convert({ home: { file: { ".config/a": { text: "1" } } }, xdg: { configFile: { a: { text: "2" } } } }),
    );
    expect(both.code).toBe("HomeTargetConflict");
    expect(both.message).toBe('home.file.".config/a" and xdg.configFile.a both manage `.config/a`.');
    const program = refusal(() =>
      convert({ home: { file: { ".zshrc": { text: "mine" } } }, programs: { zsh: { enable: true } } }),
    );
    expect(program.message).toBe('home.file.".zshrc" and programs.zsh both manage `.zshrc`.');
    expect(program.path).toEqual(["home", "file", ".zshrc"]);
  });
});

describe("files rendered from programs and session variables", () => {
  const everything = {
    home: { sessionVariables: { EDITOR: "nvim", JOBS: 4 } },
    programs: {
      git: { enable: true, userName: "Alice", ignores: ["result"], extraConfig: { pull: { rebase: true } } },
      ssh: { enable: true, matchBlocks: { basalt: { hostname: "basalt.example.org", port: 2222 } } },
      zsh: { enable: true, shellAliases: { ll: "ls -l" } },
      bash: { enable: true },
      fish: { enable: true },
      starship: { enable: true, settings: { add_newline: false } },
    },
  };

  it("writes one file per program, each as its renderer writes it", () => {
    const config = homeConfig(everything);
    const { spec } = homeSpecFromConfig(config, opts);
    expect(Object.keys(spec.files)).toEqual([
      ".bash_profile",
      ".bashrc",
      ".config/fish/conf.d/grove-session-vars.fish",
      ".config/fish/config.fish",
      ".config/git/config",
      ".config/git/ignore",
      ".config/grove/session-vars.sh",
      ".config/starship.toml",
      ".profile",
      ".ssh/config",
      ".zshenv",
      ".zshrc",
    ]);
    expect(spec.files[sessionVarsFile]).toEqual({ text: renderSessionVarsSh({ EDITOR: "nvim", JOBS: 4 }) });
    expect(spec.files[".config/git/config"]).toEqual({ text: renderGitConfig(config.programs.git) });
    expect(spec.files[".ssh/config"]).toEqual({ text: renderSshConfig(config.programs.ssh.matchBlocks) });
    expect(spec.files[".config/starship.toml"]).toEqual({ text: renderStarshipToml({ add_newline: false }) });
    expect((spec.files[".zshrc"] as { text: string }).text).toContain("starship init zsh");
    expect((spec.files[".bashrc"] as { text: string }).text).toContain("starship init bash");
    expect((spec.files[".config/fish/config.fish"] as { text: string }).text).toContain("starship init fish");
  });

  it("writes nothing for programs that are off, and the session file alone when only variables are set", () => {
    expect(convert({}).spec.files).toEqual({});
    expect(Object.keys(convert({ home: { sessionVariables: { A: "1" } } }).spec.files)).toEqual([
      sessionVarsFile,
    ]);
    // git with no ignores writes no ignore file.
    expect(Object.keys(convert({ programs: { git: { enable: true } } }).spec.files)).toEqual([
      ".config/git/config",
    ]);
  });

  it("is deterministic: the same configuration defined in another order gives the same spec and generation", () => {
    const a = homeConfig(
      { programs: { zsh: { enable: true, shellAliases: { b: "2" } } } },
      { programs: { zsh: { shellAliases: { a: "1" } } }, home: { sessionVariables: { Y: "y", X: "x" } } },
    );
    const b = homeConfig(
      { home: { sessionVariables: { X: "x" } }, programs: { zsh: { shellAliases: { a: "1" } } } },
      {
        home: { sessionVariables: { Y: "y" } },
        programs: { zsh: { enable: true, shellAliases: { b: "2" } } },
      },
    );
    const specA = homeSpecFromConfig(a, opts).spec;
    const specB = homeSpecFromConfig(b, opts).spec;
    expect(JSON.stringify(specA)).toBe(JSON.stringify(specB));
    const build = (spec: typeof specA) =>
      buildGeneration(spec, { repoRoot: "/nonexistent", stateDir: "/nonexistent/state", dryRun: true }).hash;
    expect(build(specA)).toBe(build(specB));
  });
});

describe("activation steps and packages", () => {
  it("turns home.activation into ordered steps; a plain string is a step too", () => {
    const r = convert({
      home: {
        activation: {
          fonts: { data: "fc-cache -f", after: ["linkGeneration"] },
          hello: "echo hello",
        },
      },
    });
    expect(r.spec.activation).toEqual({
      fonts: { command: "fc-cache -f", after: ["linkGeneration"], before: [] },
      hello: { command: "echo hello", after: [], before: [] },
    });
  });

  it("refuses a step named like a built-in one", () => {
    const r = refusal(() => convert({ home: { activation: { linkGeneration: "true" } } }));
    expect({ code: r.code, path: r.path }).toEqual({
      code: "HomeConfigInvalid",
      path: ["home", "activation", "linkGeneration"],
    });
  });

  it("lists home.packages by attribute path, with their channel", () => {
    const r = convert({ home: { packages: [pkgs.ripgrep, pkgs.stable.fd, pkgs.python3Packages.numpy] } });
    expect(r.packages).toEqual(["ripgrep", "stable.fd", "python3Packages.numpy"]);
  });
});

describe("activating a converted home", () => {
  let s: Sandbox | undefined;
  afterEach(() => s?.dispose());

  it("links every file, and the files work: git reads its config through the link", async () => {
    s = sandbox();
    s.repoFile("dotfiles/vimrc", "set nu\n");
    const config = homeConfig({
      home: { file: { ".vimrc": { source: "dotfiles/vimrc" } } },
      programs: { git: { enable: true, userName: 'Alice "A" Example' } },
    });
    const { spec } = homeSpecFromConfig(config, {
      sourceKind: (p) => (p === "dotfiles/vimrc" ? "file" : undefined),
    });
    const r = await s.switchTo(spec);
    expect(r.generation).toBe(1);
    const name = await execa("git", ["config", "--global", "user.name"], {
      env: { HOME: s.home, XDG_CONFIG_HOME: `${s.home}/.config`, PATH: process.env.PATH ?? "/usr/bin:/bin" },
      extendEnv: false,
    });
    expect(name.stdout).toBe('Alice "A" Example');
  });
});
