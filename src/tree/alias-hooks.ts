/**
 * Module-resolution hooks for fleet files: `import … from "grove"` resolves to the running Grove,
 * so a fleet works without installing Grove into it.
 */
interface ResolveContext {
  parentURL?: string | undefined;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

let target = "";

export function initialize(data: { target: string }): void {
  target = data.target;
}

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve) {
  if (specifier === "grove") return { url: target, shortCircuit: true, format: "module" };
  return next(specifier, context);
}
