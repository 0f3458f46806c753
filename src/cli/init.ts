/** `grove init [dir]`: a new fleet, ready to evaluate. */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineCommand } from "citty";
import { GroveError } from "../errors.js";

/** The files of a new fleet, by path. `groveTypes` is the running Grove's declaration entry. */
export function starterFiles(groveTypes: string, person: string): Record<string, string> {
  const name = /^[a-z_][a-z0-9_-]*$/.test(person) ? person : "me";
  return {
    "package.json": `${JSON.stringify({ name: "fleet", private: true, type: "module" }, null, 2)}\n`,
    ".gitignore": ".grove/\n",
    "tsconfig.json": `${JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          target: "ES2023",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          noEmit: true,
          skipLibCheck: true,
          types: [],
          paths: { grove: [groveTypes] },
        },
        include: ["modules", ".grove/types.d.ts"],
      },
      null,
      2,
    )}\n`,
    "modules/shell.ts": `import { aspect } from "grove";

export default aspect("shell", {
  nixos: { programs: { zsh: { enable: true } } },
  home: ({ pkgs }) => ({
    programs: { zsh: { enable: true, shellAliases: { ll: "ls -l" } } },
    home: { packages: [pkgs.ripgrep, pkgs.fd] },
  }),
});
`,
    "modules/git.ts": `import { aspect } from "grove";

export default aspect("git", {
  home: { programs: { git: { enable: true, extraConfig: { init: { defaultBranch: "main" } } } } },
});
`,
    [`modules/users/${name}.ts`]: `import { user } from "grove";

export default user(${JSON.stringify(name)}, {
  fullName: ${JSON.stringify(name)},
  home: ["shell", "git"],
});
`,
    "modules/machines/workstation.ts": `import { machine } from "grove";

export default machine("workstation", {
  class: "nixos",
  system: "x86_64-linux",
  aspects: ["shell"],
  users: { ${JSON.stringify(name)}: [] },
  module: { networking: { firewall: { allowedTCPPorts: [22] } } },
});
`,
  };
}

export const initCommand = defineCommand({
  meta: { name: "init", description: "Create a new fleet with one machine, one user and two aspects" },
  args: { dir: { type: "positional", required: false, description: "Where to create it (default: here)" } },
  run({ args }) {
    const root = resolve(args.dir ?? ".");
    if (existsSync(join(root, "modules"))) {
      throw new GroveError("Usage", `${root} already holds a fleet (it has modules/).`, {
        hint: "Run `grove init` in an empty folder, or `grove init NEW-FOLDER`.",
      });
    }
    if (existsSync(root) && readdirSync(root).length > 0 && !args.dir) {
      throw new GroveError("Usage", `${root} is not empty.`, {
        hint: "Run `grove init NEW-FOLDER` to create the fleet in a new folder.",
      });
    }
    const groveTypes = fileURLToPath(new URL("../index.d.ts", import.meta.url));
    for (const [path, text] of Object.entries(starterFiles(groveTypes, userInfo().username))) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    process.stdout.write(`Created a fleet in ${root}.\nNext: cd ${args.dir ?? "."} && grove eval --json\n`);
  },
});
