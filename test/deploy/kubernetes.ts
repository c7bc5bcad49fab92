import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { parseAllDocuments } from "yaml";
import { ROOT } from "../support/stack";

/** One YAML document of a manifest file. */
export interface Manifest {
  /** Path from the repository root, and the document's index in the file: `k8s/base/gateway.yaml#1`. */
  where: string;
  doc: any;
}

export const describeManifest = (m: Manifest) => `${m.where} ${m.doc?.kind ?? "?"} ${m.doc?.metadata?.name ?? ""}`.trim();

/** Every document of the YAML text, which must parse cleanly. */
export function parseManifests(text: string, where: string): Manifest[] {
  return parseAllDocuments(text).map((d, i) => {
    if (d.errors.length) throw new Error(`${where}#${i}: ${d.errors.map((e) => e.message).join("; ")}`);
    return { where: `${where}#${i}`, doc: d.toJS() };
  });
}

/** The YAML files below a directory, kustomizations apart. */
export function manifestFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return manifestFiles(full);
      return /\.ya?ml$/.test(name) && name !== "kustomization.yaml" ? [full] : [];
    })
    .sort();
}

export function readManifests(dir: string): Manifest[] {
  return manifestFiles(dir).flatMap((file) => parseManifests(readFileSync(file, "utf8"), path.relative(ROOT, file)));
}

/** kubernetes-models lays out one module per kind: `kubernetes-models/apps/v1/Deployment`, core as `v1/Service`. */
const modelModule = (doc: { apiVersion: string; kind: string }) => `kubernetes-models/${doc.apiVersion}/${doc.kind}`;

/**
 * Validates one object against the Kubernetes OpenAPI schema that kubernetes-models bundles:
 * required fields, types, enums, formats. Answers the problem, or undefined when it is valid.
 */
export function schemaProblem(doc: any): string | undefined {
  if (!doc?.apiVersion || !doc?.kind) return "no apiVersion or kind";
  let Model: new (data: unknown) => { validate(): void };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Model = require(modelModule(doc))[doc.kind];
  } catch {
    return `unknown apiVersion/kind: ${doc.apiVersion} ${doc.kind}`;
  }
  try {
    new Model(doc).validate();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The schemas let unknown fields through, so a misspelt `readinesProbe` would vanish silently.
 * kubernetes-models' TypeScript types do not: each document is type-checked as an object literal
 * of its kind, which refuses any field its type does not have (and any value of the wrong type).
 * Answers the problems, each naming its document.
 */
export function typeProblems(manifests: Manifest[]): string[] {
  const file = path.join(ROOT, "k8s", "__manifests__.ts");
  const source = manifests
    .map((m, i) => `import type { I${m.doc.kind} as T${i} } from "${modelModule(m.doc)}"; export const m${i}: T${i} = ${JSON.stringify(m.doc)};`)
    .join("\n");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, source, language) : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => {
      const line = d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line;
      return `${describeManifest(manifests[line])}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
    });
}
