#!/usr/bin/env node
// API report: every name the package's entry points export, with its kind and
// declaration, read from the compiled declarations (dist/src/**/*.d.ts, what the
// package ships) with the TypeScript compiler API. Written under docs/api/, one
// report per entry point, so a change to the public API shows as a diff; test/api/report.test.ts fails when
// the checked-in report and the code disagree.
//
//   node scripts/api-report.mjs          write the reports under docs/api/ (after tsc)
//   node scripts/api-report.mjs --check  exit 1 when a report is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The entry points of package.json "exports": import specifier, declaration file, report file. */
export const ENTRY_POINTS = [
  { specifier: 'tio', dts: 'dist/src/index.d.ts', report: 'docs/api/tio.api.md' },
  { specifier: 'tio/tunnel', dts: 'dist/src/tunnel/index.d.ts', report: 'docs/api/tio-tunnel.api.md' },
];

const KINDS = new Map([
  [ts.SyntaxKind.ClassDeclaration, 'class'],
  [ts.SyntaxKind.InterfaceDeclaration, 'interface'],
  [ts.SyntaxKind.TypeAliasDeclaration, 'type'],
  [ts.SyntaxKind.FunctionDeclaration, 'function'],
  [ts.SyntaxKind.VariableDeclaration, 'const'],
  [ts.SyntaxKind.EnumDeclaration, 'enum'],
  [ts.SyntaxKind.ModuleDeclaration, 'namespace'],
]);

const isPrivate = (m) =>
  (ts.canHaveModifiers(m) && ts.getModifiers(m)?.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword)) ||
  (m.name !== undefined && ts.isPrivateIdentifier(m.name));

// A class without its private members: they are not callable from outside and not API.
function publicShape(node) {
  if (!ts.isClassDeclaration(node)) return node;
  return ts.factory.updateClassDeclaration(node, node.modifiers, node.name, node.typeParameters, node.heritageClauses,
    node.members.filter((m) => !isPrivate(m)));
}

// The declaration text of a symbol: a variable is shown with its statement (const and type).
function declarationText(printer, decl) {
  const node = ts.isVariableDeclaration(decl) ? decl.parent.parent : publicShape(decl);
  return printer.printNode(ts.EmitHint.Unspecified, node, decl.getSourceFile()).trim();
}

// True when the name is exported with `export type` (usable as a type only).
function typeOnly(sym) {
  return (sym.declarations ?? []).some((d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly));
}

// Symbols of the package's own declarations that `node`'s types name (type references and heritage clauses).
function referenced(checker, node, inPackage) {
  const found = [];
  const visit = (n) => {
    const name = ts.isTypeReferenceNode(n) ? n.typeName : ts.isExpressionWithTypeArguments(n) ? n.expression : null;
    if (name !== null) {
      let sym = checker.getSymbolAtLocation(ts.isQualifiedName(name) ? name.right : name);
      if (sym !== undefined && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
      if (sym?.declarations?.some((d) => inPackage(d.getSourceFile().fileName))) found.push(sym);
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

// One report entry: a symbol's kind and its declarations (private class members left out).
function entryFor(printer, sym, target) {
  const decls = target.declarations ?? [];
  const notes = [];
  if (target.name !== sym.name) notes.push(`exported as \`${sym.name}\` (declared as \`${target.name}\`)`);
  if (sym !== target && typeOnly(sym)) notes.push('type-only export');
  return {
    name: sym.name,
    kind: [...new Set(decls.map((d) => KINDS.get(d.kind) ?? ts.SyntaxKind[d.kind]))].join(' + '),
    notes,
    texts: decls.map((d) => declarationText(printer, d)),
  };
}

function section(out, r) {
  out.push(`## ${r.name}`, '', `Kind: ${r.kind}${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`, '', '```ts');
  out.push(...r.texts.join('\n\n').split('\n'));
  out.push('```', '');
}

/**
 * The report of one entry point (markdown), from its compiled declaration file: the exported
 * names, then the package's types they name without exporting them (part of the surface too:
 * a change there changes what users get).
 */
function reportFor(checker, printer, source, entry, inPackage) {
  const exported = [...checker.getExportsOfModule(checker.getSymbolAtLocation(source))].sort(byName);
  const rows = [];
  const seen = new Set();
  const queue = [];
  for (const sym of exported) {
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    seen.add(target);
    rows.push(entryFor(printer, sym, target));
    queue.push(target);
  }
  const extra = [];
  while (queue.length > 0) {
    for (const d of queue.shift().declarations ?? []) {
      // Private members of a declaration file carry no types, so they name nothing.
      for (const ref of referenced(checker, d, inPackage)) {
        if (seen.has(ref)) continue;
        seen.add(ref);
        extra.push(ref);
        queue.push(ref);
      }
    }
  }
  extra.sort(byName);
  const out = [
    `# API report: \`${entry.specifier}\``,
    '',
    `Generated by \`npm run api:report\` from \`${entry.dts}\`; do not edit by hand. Every name below is semver`,
    'surface; anything else in the package is internal (docs/api/README.md). Private class members are left out.',
    '',
    `${rows.length} exported names; ${extra.length} more types they name without exporting them.`,
    '',
    '# Exported',
    '',
  ];
  for (const r of rows) section(out, r);
  out.push('# Named by the exports, not exported from this entry point', '');
  for (const sym of extra) section(out, entryFor(printer, sym, sym));
  return out.join('\n');
}

/** Every report, keyed by its path under `root`, made from the compiled declarations under `root`. */
export function apiReports(root) {
  const files = ENTRY_POINTS.map((e) => join(root, e.dts));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    types: ['node'], strict: true, noEmit: true, skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
  const srcDir = join(root, 'dist', 'src') + '/';
  const inPackage = (f) => f.startsWith(srcDir);
  const reports = new Map();
  for (const [i, entry] of ENTRY_POINTS.entries()) {
    const source = program.getSourceFile(files[i]);
    if (source === undefined) throw new Error(`${entry.dts} not found: run tsc -p tsconfig.json first`);
    reports.set(entry.report, reportFor(checker, printer, source, entry, inPackage));
  }
  return reports;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [path, text] of apiReports(root)) {
    const file = join(root, path);
    let old = null;
    try {
      old = readFileSync(file, 'utf8');
    } catch {
      // a missing report is simply out of date
    }
    if (old === text) continue;
    if (check) {
      stale++;
      process.stderr.write(`${path} is out of date: run npm run api:report and commit the change\n`);
    } else {
      writeFileSync(file, text);
      process.stdout.write(`wrote ${path}\n`);
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
}
