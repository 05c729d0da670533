/**
 * Which AWS calls code can make, read from the code itself, so a declaration (handlers/*.aws-calls.ts) that misses
 * one fails a test.
 *
 * TypeScript: from the handler's top-level declarations, follow every identifier to the top-level declaration it
 * names, across relative imports, and collect the `…Command` classes imported from `@aws-sdk/client-*` on the way.
 * Following declarations rather than whole modules matters: the poller imports `headObject` from
 * handlers/lib/s3-objects.ts, not its CopyObject. The walk is syntactic and errs on the side of reaching too much
 * (a local name shadowing a top-level one counts), never too little.
 *
 * Python: every `<client>.<method>(` where `<client> = boto3.client("<service>")` in the script, and chained
 * `boto3.client("<service>", …).<method>(`; a script passing a client under another name would need its name here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");

/** Powertools utilities that make an SDK call themselves: the command each one sends. */
const POWERTOOLS_CALLS: Record<string, string> = {
  "@aws-lambda-powertools/parameters/secrets:getSecret": "client-secrets-manager:GetSecretValueCommand",
  "@aws-lambda-powertools/parameters/secrets:SecretsProvider": "client-secrets-manager:GetSecretValueCommand",
};

/** `client-s3:GetObjectCommand` for every SDK command reachable from `entry` (relative to the project root). */
export function reachableSdkCommands(entry: string): Set<string> {
  const found = new Set<string>();
  const seen = new Set<string>();
  const queue: { file: string; name?: string }[] = [{ file: path.resolve(ROOT, entry) }];
  while (queue.length > 0) {
    const { file, name } = queue.shift() as { file: string; name?: string };
    const id = `${file}#${name ?? "*"}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const mod = parseModule(file);
    // A module's top-level statements that declare nothing (side effects) run whenever it is imported.
    const roots = name === undefined ? [...mod.declarations.values(), ...mod.sideEffects] : [...mod.sideEffects];
    if (name !== undefined) {
      const decl = mod.declarations.get(name);
      if (decl) roots.push(decl);
      else if (mod.imports.has(name)) follow(mod.imports.get(name) as Import);
      else for (const star of mod.reExportAll) queue.push({ file: star, name });
    }
    for (const root of roots) visit(root, mod);
    function visit(node: ts.Node, m: Module): void {
      if (ts.isIdentifier(node) && !isPropertyName(node)) {
        const local = m.declarations.get(node.text);
        if (local && local !== root(node)) queue.push({ file, name: node.text });
        const imported = m.imports.get(node.text);
        if (imported) follow(imported);
      }
      if (ts.isTypeNode(node) || ts.isImportDeclaration(node) || ts.isInterfaceDeclaration(node)) return;
      ts.forEachChild(node, (child) => visit(child, m));
    }
  }
  return found;

  function follow(imp: Import): void {
    const wrapped = POWERTOOLS_CALLS[`${imp.module}:${imp.name}`];
    if (wrapped) found.add(wrapped);
    else if (imp.module.startsWith("@aws-sdk/client-")) {
      if (imp.name.endsWith("Command")) found.add(`${imp.module.slice("@aws-sdk/".length)}:${imp.name}`);
    } else if (imp.file) queue.push({ file: imp.file, name: imp.name === "*" ? undefined : imp.name });
  }
}

interface Import {
  module: string;
  name: string;
  /** The resolved file of a relative import. */
  file?: string;
}
interface Module {
  declarations: Map<string, ts.Node>;
  imports: Map<string, Import>;
  sideEffects: ts.Node[];
  reExportAll: string[];
}

const modules = new Map<string, Module>();

function parseModule(file: string): Module {
  const cached = modules.get(file);
  if (cached) return cached;
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const mod: Module = { declarations: new Map(), imports: new Map(), sideEffects: [], reExportAll: [] };
  const resolve = (spec: string) => (spec.startsWith(".") ? resolveFile(path.dirname(file), spec) : undefined);
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier)) {
      const spec = s.moduleSpecifier.text;
      const clause = s.importClause;
      if (!clause || clause.isTypeOnly) continue;
      if (clause.name) mod.imports.set(clause.name.text, { module: spec, name: "default", file: resolve(spec) });
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings))
        mod.imports.set(bindings.name.text, { module: spec, name: "*", file: resolve(spec) });
      if (bindings && ts.isNamedImports(bindings))
        for (const el of bindings.elements.filter((e) => !e.isTypeOnly))
          mod.imports.set(el.name.text, { module: spec, name: (el.propertyName ?? el.name).text, file: resolve(spec) });
    } else if (ts.isExportDeclaration(s) && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) {
      const target = resolve(s.moduleSpecifier.text);
      if (!s.exportClause && target) mod.reExportAll.push(target);
      else if (s.exportClause && ts.isNamedExports(s.exportClause))
        for (const el of s.exportClause.elements)
          mod.imports.set(el.name.text, {
            module: s.moduleSpecifier.text,
            name: (el.propertyName ?? el.name).text,
            file: target,
          });
    } else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) {
      mod.declarations.set(s.name.text, s);
    } else if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) for (const n of boundNames(d.name)) mod.declarations.set(n, d);
    } else if (!ts.isInterfaceDeclaration(s) && !ts.isTypeAliasDeclaration(s)) {
      mod.sideEffects.push(s);
    }
  }
  modules.set(file, mod);
  return mod;
}

function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : boundNames(e.name)));
}

/** `x` in `a.x` or `{ x: 1 }`: a property, not a reference to a declaration. */
function isPropertyName(node: ts.Identifier): boolean {
  const p = node.parent;
  return (ts.isPropertyAccessExpression(p) && p.name === node) || (ts.isPropertyAssignment(p) && p.name === node);
}

function root(node: ts.Node): ts.Node {
  let n = node;
  while (n.parent && !ts.isSourceFile(n.parent)) n = n.parent;
  return n;
}

function resolveFile(dir: string, spec: string): string | undefined {
  const base = path.resolve(dir, spec);
  return [`${base}.ts`, path.join(base, "index.ts"), base].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
}

/** `s3:get_object` for every boto3 client method the script calls. */
export function boto3Calls(script: string): Set<string> {
  const text = fs.readFileSync(path.resolve(ROOT, script), "utf8");
  const found = new Set<string>();
  const clients = new Map<string, string>();
  for (const m of text.matchAll(/(\w+)\s*=\s*boto3\.client\(\s*["']([\w-]+)["']/g)) clients.set(m[1], m[2]);
  for (const [variable, service] of clients)
    for (const m of text.matchAll(new RegExp(`\\b${variable}\\.(\\w+)\\(`, "g"))) found.add(`${service}:${m[1]}`);
  for (const m of text.matchAll(/boto3\.client\(\s*["']([\w-]+)["'](?:[^()]|\([^()]*\))*\)\.(\w+)\(/g))
    found.add(`${m[1]}:${m[2]}`);
  return found;
}

/** Every boto3 client a script creates, by service, whatever it is named. */
export function boto3Services(script: string): Set<string> {
  const text = fs.readFileSync(path.resolve(ROOT, script), "utf8");
  return new Set([...text.matchAll(/boto3\.(?:client|resource)\(\s*["']([\w-]+)["']/g)].map((m) => m[1]));
}
