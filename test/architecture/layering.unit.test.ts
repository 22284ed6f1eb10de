import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALLOWED_UPWARD, LAYERS } from './layers.ts';

// Pure: reads src/ as text, resolves every relative import and checks it against
// the layer order in layers.ts.

const ROOT = path.resolve(import.meta.dirname, '../..');
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

type Import = { from: string; to: string };

function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(SPECIFIER)].map((m) => ({ from: file, to: path.posix.join(path.posix.dirname(file), m[1]!) }));
}

const UNITS = LAYERS.flatMap((units, rank) => units.map((unit) => ({ unit, rank })));

function unitOf(file: string): { unit: string; rank: number } | undefined {
  return UNITS.filter((u) => (u.unit.endsWith('/') ? file.startsWith(u.unit) : file === u.unit)).sort(
    (a, b) => b.unit.length - a.unit.length,
  )[0];
}

const files = sourceFiles('src');
const imports = files.flatMap(importsOf).filter((i) => i.to.startsWith('src/'));
const allowed = (i: Import) => ALLOWED_UPWARD.some((a) => a.from === i.from && a.to === i.to);

function upward(): Import[] {
  return imports.filter((i) => {
    const a = unitOf(i.from)!;
    const b = unitOf(i.to);
    return b !== undefined && a.unit !== b.unit && b.rank > a.rank;
  });
}

/** Cycles between units (strongly connected components of more than one unit), the allow-list aside. */
function unitCycles(): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const i of imports.filter((i) => !allowed(i))) {
    const a = unitOf(i.from)?.unit;
    const b = unitOf(i.to)?.unit;
    if (a && b && a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b));
  }
  // Tarjan's algorithm over the unit graph.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const u of UNITS) if (!idx.has(u.unit)) visit(u.unit);
  return out;
}

describe('layering of src/', () => {
  it('places every source file in a layer of layers.ts', () => {
    expect(files.filter((f) => unitOf(f) === undefined)).toEqual([]);
  });

  it('has no import from a lower layer up to a higher one, beyond the allow-list', () => {
    const show = (i: Import) => `${i.from} -> ${i.to} (${unitOf(i.from)!.unit} below ${unitOf(i.to)!.unit})`;
    expect(upward().filter((i) => !allowed(i)).map(show)).toEqual([]);
  });

  it('keeps no allow-list entry that no longer occurs (delete it when its import is gone)', () => {
    const present = upward();
    const stale = ALLOWED_UPWARD.filter((a) => !present.some((i) => i.from === a.from && i.to === a.to));
    expect(stale.map((a) => `${a.from} -> ${a.to}`)).toEqual([]);
  });

  it('has no import cycle between units', () => {
    expect(unitCycles()).toEqual([]);
  });

  it('sees the imports it checks (the parser is not blind)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(imports.length).toBeGreaterThan(files.length);
  });
});
