/**
 * Typed references to Terraform objects, instead of hand-written `${…}` strings. A reference knows
 * what it points at (a resource, a data source, a variable…), so the renderer can check that the
 * object is declared, write it bare where Terraform wants a bare address (`depends_on`,
 * `provider`, `replace_triggered_by`) and as `${…}` everywhere else.
 */

/** What a reference points at: the kind of object and its declared name. */
export type Target =
  | { readonly kind: "resource"; readonly type: string; readonly name: string }
  | { readonly kind: "data"; readonly type: string; readonly name: string }
  | { readonly kind: "var"; readonly name: string }
  | { readonly kind: "local"; readonly name: string }
  | { readonly kind: "module"; readonly name: string }
  | { readonly kind: "provider"; readonly type: string; readonly alias: string | undefined };

/** One step of an attribute path: a name (`.id`) or an index (`[0]`, `["key"]`). */
export type Step = string | number;

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * HCL's quoted string literal: JSON's escapes, plus the template escapes for `${` and `%{`.
 *
 * @example
 * hclString('say "${hi}"') === '"say \\"$${hi}\\""'; // true
 */
export function hclString(s: string): string {
  return JSON.stringify(s).replace(/([$%])\{/g, "$1$1{");
}

function showStep(step: Step): string {
  if (typeof step === "number") return `[${step}]`;
  return IDENT.test(step) ? `.${step}` : `[${hclString(step)}]`;
}

function targetText(t: Target): string {
  switch (t.kind) {
    case "resource":
      return `${t.type}.${t.name}`;
    case "data":
      return `data.${t.type}.${t.name}`;
    case "var":
      return `var.${t.name}`;
    case "local":
      return `local.${t.name}`;
    case "module":
      return `module.${t.name}`;
    case "provider":
      return t.alias === undefined ? t.type : `${t.type}.${t.alias}`;
  }
}

/**
 * A reference to a declared Terraform object, optionally to an attribute inside it. Made by
 * {@link tf}'s helpers and {@link ref}; rendered as `"${hcloud_server.web.ipv4_address}"` in
 * expressions and as `"hcloud_server.web"` in `depends_on`.
 *
 * @example
 * const web = tf.resource("hcloud_server", "web");
 * ref(web, "ipv4_address").text; // "hcloud_server.web.ipv4_address"
 */
export class Reference {
  /** The Terraform expression text, without `${}`. */
  readonly text: string;

  constructor(
    readonly target: Target,
    readonly path: readonly Step[] = [],
  ) {
    if (target.kind === "provider" && path.length > 0)
      throw new TypeError(`A provider configuration has no attributes to reference (${path.join(".")}).`);
    this.text = targetText(target) + path.map(showStep).join("");
  }

  /** The same object, one attribute (or index) deeper. */
  get(...steps: Step[]): Reference {
    return new Reference(this.target, [...this.path, ...steps]);
  }

  /** The address of the referenced object itself (`hcloud_server.web`), as errors name it. */
  get address(): string {
    return targetText(this.target);
  }

  equals(other: unknown): boolean {
    return other instanceof Reference && other.text === this.text;
  }

  toString(): string {
    return this.text;
  }
}

/** A piece of an {@link Expression} or a {@link Template}: text as written, or a reference. */
type Part = string | Reference;

/**
 * A raw Terraform expression (`count.index`, `cidrsubnet(…)`), rendered as `"${…}"`. References
 * interpolated into it are checked like any other; the rest of the text is not.
 *
 * @example
 * tf.expr`cidrsubnet(${tf.var("cidr")}, 8, ${1})`; // "${cidrsubnet(var.cidr, 8, 1)}"
 */
export class Expression {
  constructor(readonly parts: readonly Part[]) {}

  /** The expression text, without `${}`. */
  get text(): string {
    return this.parts.map((p) => (typeof p === "string" ? p : p.text)).join("");
  }

  get references(): Reference[] {
    return this.parts.filter((p): p is Reference => p instanceof Reference);
  }

  equals(other: unknown): boolean {
    return other instanceof Expression && other.text === this.text;
  }
}

/**
 * A string with references in it, rendered as one Terraform template: the literal parts are
 * escaped (`${` → `$${`), the references interpolated.
 *
 * @example
 * tf.template`https://${ref(web, "ipv4_address")}:8443/`; // "https://${hcloud_server.web.ipv4_address}:8443/"
 */
export class Template {
  /** Literal text (unescaped) alternating with references and expressions. */
  constructor(readonly parts: readonly (string | Reference | Expression)[]) {}

  get references(): Reference[] {
    return this.parts.flatMap((p) =>
      p instanceof Reference ? [p] : p instanceof Expression ? p.references : [],
    );
  }

  /** The template as Terraform reads it, with literal `${` and `%{` escaped. */
  get text(): string {
    return this.parts.map((p) => (typeof p === "string" ? escapeTemplate(p) : `\${${p.text}}`)).join("");
  }

  equals(other: unknown): boolean {
    return other instanceof Template && other.text === this.text;
  }
}

/**
 * Terraform's template escapes: a literal `${` is `$${`, a literal `%{` is `%%{`.
 *
 * @example
 * escapeTemplate("50%{x} of ${y}"); // "50%%{x} of $${y}"
 */
export function escapeTemplate(s: string): string {
  return s.includes("{") ? s.replace(/([$%])\{/g, "$1$1{") : s;
}

/** What may be interpolated into {@link tf.expr}: references, expressions, and literal values. */
export type ExprValue = Reference | Expression | string | number | boolean | null;

function exprParts(strings: TemplateStringsArray | string, values: readonly ExprValue[]): Part[] {
  if (typeof strings === "string") return [strings];
  const parts: Part[] = [];
  strings.forEach((s, i) => {
    parts.push(s);
    if (i >= values.length) return;
    const v = values[i];
    if (v instanceof Reference) parts.push(v);
    else if (v instanceof Expression) parts.push(...v.parts);
    else if (typeof v === "string") parts.push(hclString(v));
    else parts.push(JSON.stringify(v));
  });
  return parts;
}

/**
 * A reference to an attribute of a declared object: `ref(web, "ipv4_address")`, `ref(web, 0, "id")`
 * for one instance of a counted resource.
 *
 * @example
 * ref(tf.resource("hcloud_server", "web"), "ipv4_address"); // "${hcloud_server.web.ipv4_address}" when rendered
 */
export function ref(target: Reference, ...path: Step[]): Reference {
  if (!(target instanceof Reference))
    throw new TypeError(
      "ref() takes a reference made by tf.resource, tf.data, tf.var, tf.local or tf.module.",
    );
  return target.get(...path);
}

/**
 * The reference helpers of the terraform class (terranix's `config.resource.x.y "attr"` and
 * `lib.tf.ref`). Also passed to terraform modules as the `tf` argument.
 *
 * @example
 * ({ tf }) => ({
 *   resource: {
 *     hcloud_server: { web: { name: "web", server_type: "cx22", image: "debian-12" } },
 *     hcloud_rdns: {
 *       web: {
 *         server_id: tf.ref(tf.resource("hcloud_server", "web"), "id"),
 *         ip_address: tf.ref(tf.resource("hcloud_server", "web"), "ipv4_address"),
 *         dns_ptr: tf.template`web.${tf.var("domain")}`,
 *         depends_on: [tf.resource("hcloud_server", "web")],
 *       },
 *     },
 *   },
 * })
 */
export const tf = {
  /** `resource.<type>.<name>` */
  resource: (type: string, name: string): Reference => new Reference({ kind: "resource", type, name }),
  /** `data.<type>.<name>` */
  data: (type: string, name: string): Reference => new Reference({ kind: "data", type, name }),
  /** `var.<name>` (a `variable`) */
  var: (name: string): Reference => new Reference({ kind: "var", name }),
  /** `local.<name>` (one of `locals`) */
  local: (name: string): Reference => new Reference({ kind: "local", name }),
  /** `module.<name>`; its outputs with `ref(tf.module("vpc"), "network_id")` */
  module: (name: string): Reference => new Reference({ kind: "module", name }),
  /** A provider configuration, for the `provider` meta-argument and a module's `providers`. */
  provider: (type: string, alias?: string): Reference => new Reference({ kind: "provider", type, alias }),
  ref,
  /** A raw expression, for what references do not cover (`count.index`, function calls). */
  expr: (strings: TemplateStringsArray | string, ...values: ExprValue[]): Expression =>
    new Expression(exprParts(strings, values)),
  /** A string with references in it. */
  template: (strings: TemplateStringsArray, ...values: (ExprValue | Template)[]): Template => {
    const parts: (string | Reference | Expression)[] = [];
    strings.forEach((s, i) => {
      parts.push(s);
      if (i >= values.length) return;
      const v = values[i];
      if (v instanceof Reference || v instanceof Expression) parts.push(v);
      else if (v instanceof Template) parts.push(...v.parts);
      else parts.push(v === null ? "" : String(v));
    });
    return new Template(parts);
  },
};

export type Tf = typeof tf;
