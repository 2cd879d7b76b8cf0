import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

// The folders of src/ say which way data and dependencies flow (docs/development.md, house style "The shape of the
// house"). This test reads every relative import and fails on one that runs against that flow, naming the file, the
// import and the rule it breaks.

const SRC = resolve(__dirname, '../../src');

/** What each top-level folder of src/ may import from the others. */
const TOP_LEVEL: Readonly<Record<string, 'anything' | readonly string[]>> = {
  // Bundled into the SuperOffice script: pure, nothing else from src/.
  core: [],
  crm: ['core'],
  'dci-api': ['core', 'crm'],
  'lime-addon': ['core', 'crm'],
  'superoffice-script': ['core'],
  // The receiver's host of the script's SuperOffice adapter: the real WebAPI agents and their authentication.
  'superoffice-addon': ['core', 'crm', 'superoffice-script'],
  // The emulators stand in for the outside world: they may not know the receiver they are tested against.
  sandbox: ['core', 'crm', 'dci-api', 'lime-addon', 'superoffice-script'],
  receiver: 'anything',
};

/**
 * The receiver's folders, lowest first. A folder imports only from layers below its own; folders in one layer do
 * not import each other. `.` is the receiver's own top files (startReceiver.ts, main.ts).
 */
/** What of src/crm/ the receiver's store may import: the records it keeps, not the port it must not depend on. */
const STORE_MAY_HOLD: readonly string[] = ['crm/contactIndexRecords'];

const RECEIVER_LAYERS: ReadonlyArray<readonly string[]> = [
  // Leaves: the durable rows, sealing and hashing, the HTTP error and body reader every route shares.
  ['store', 'secrets', 'httpEdge'],
  // Metrics read the queue's depth from the store.
  ['observability'],
  // The environment, parsed once; the saved settings build on it (what it sets wins, shown locked).
  ['config'],
  // The saved settings, and Lime's request budget the connection they make spends.
  ['settings', 'rateBudget'],
  // The work, each beside its own route where it has one.
  ['ingest', 'enrich', 'contactIndex', 'privacy'],
  // Both complete a payload through enrich.
  ['deliver', 'poll'],
  // Alerts watch the delivery worker's outage circuit and the DCI poll.
  ['alerts'],
  ['admin'],
  // createApp mounts every route and the admin pages.
  ['http'],
  // The composition root, then the demo that starts it, then the CLI (which sends the demo's sample payloads).
  ['.'],
  ['demo'],
  ['cli'],
];

/**
 * The relative module specifiers in one file: `import … from`, `export … from`, `import '…'`, `import('…')` and
 * `require('…')`; never one in a comment or a string.
 */
function relativeImports(sourceText: string): string[] {
  return ts
    .preProcessFile(sourceText, true, true)
    .importedFiles.map((file) => file.fileName)
    .filter((name) => name.startsWith('./') || name.startsWith('../'));
}

interface ImportEdge {
  /** The importing file, relative to src/, with `/` separators. */
  file: string;
  specifier: string;
  /** The imported module's path segments below src/ (a folder's index counts as a file in that folder). */
  target: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importEdges(): ImportEdge[] {
  return sourceFiles(SRC).flatMap((path) =>
    relativeImports(readFileSync(path, 'utf8')).map((specifier) => {
      const resolved = join(dirname(path), specifier);
      const target = relative(SRC, resolved).split(sep);
      if (isDirectory(resolved)) target.push('index');
      return { file: relative(SRC, path).split(sep).join('/'), specifier, target };
    }),
  );
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The receiver folder a path below src/receiver/ is in: its first folder, or `.` for the receiver's top files. */
function receiverFolder(segments: readonly string[]): string {
  return segments.length > 2 ? (segments[1] ?? '.') : '.';
}

function receiverLayer(folder: string): number {
  return RECEIVER_LAYERS.findIndex((layer) => layer.includes(folder));
}

/** Every import that breaks a rule, as `file -> specifier (why)`. */
function violations(edges: readonly ImportEdge[]): string[] {
  const found: string[] = [];
  for (const { file, specifier, target } of edges) {
    const from = file.split('/');
    const fromTop = from[0] ?? '';
    const toTop = target[0] ?? '';
    const arrow = `${file} -> ${specifier}`;
    if (toTop === '..') {
      found.push(`${arrow} (reaches outside src/)`);
      continue;
    }
    if (
      fromTop === 'receiver' &&
      from[1] === 'store' &&
      toTop === 'crm' &&
      !STORE_MAY_HOLD.includes(target.join('/'))
    ) {
      found.push(`${arrow} (the store holds CRM records, never the CRM port: only ${STORE_MAY_HOLD.join(', ')})`);
      continue;
    }
    if (fromTop !== toTop) {
      const allowed = TOP_LEVEL[fromTop];
      if (allowed === undefined) found.push(`${arrow} (src/${fromTop} has no rule in TOP_LEVEL)`);
      else if (allowed !== 'anything' && !allowed.includes(toTop)) {
        const may = allowed.length > 0 ? `may import only ${allowed.join(', ')}` : 'imports nothing else in src/';
        found.push(`${arrow} (src/${fromTop} ${may})`);
      }
      continue;
    }
    if (fromTop !== 'receiver') continue;
    const fromFolder = receiverFolder(from);
    const toFolder = receiverFolder(target);
    if (fromFolder === toFolder) continue;
    const fromLayer = receiverLayer(fromFolder);
    const toLayer = receiverLayer(toFolder);
    if (fromLayer < 0 || toLayer < 0) {
      const missing = fromLayer < 0 ? fromFolder : toFolder;
      found.push(`${arrow} (receiver/${missing} is in no layer of RECEIVER_LAYERS)`);
    } else if (toLayer === fromLayer) {
      found.push(`${arrow} (${fromFolder} and ${toFolder} share a layer: neither imports the other)`);
    } else if (toLayer > fromLayer) {
      found.push(`${arrow} (runs up: ${fromFolder} is layer ${fromLayer}, ${toFolder} layer ${toLayer})`);
    }
  }
  return found;
}

describe('import layers', () => {
  it.each([
    ["import { a } from './a';", ['./a']],
    ["import type { B } from '../b';", ['../b']],
    ["export { c } from './c';\nexport * from '../d';", ['./c', '../d']],
    ["import {\n  e,\n  f,\n} from '../e';", ['../e']],
    ["import './sideEffect';", ['./sideEffect']],
    ["const g = await import('../g');", ['../g']],
    ["import { z } from 'zod';\n// import { h } from './h';\nconst s = \"import i from './i'\";", []],
  ])('reads the relative imports of %j', (text, expected) => {
    expect(relativeImports(text)).toEqual(expected);
  });

  const edges = importEdges();

  it('reads the whole of src/', () => {
    expect(new Set(edges.map((edge) => edge.file)).size).toBeGreaterThan(100);
    expect(edges.length).toBeGreaterThan(300);
  });

  it('places every top-level folder of src/ and every folder of the receiver', () => {
    const folders = (dir: string) =>
      readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name);
    expect(folders(SRC).filter((name) => TOP_LEVEL[name] === undefined)).toEqual([]);
    expect(folders(join(SRC, 'receiver')).filter((name) => receiverLayer(name) < 0)).toEqual([]);
  });

  it('has no import that runs against the layers', () => {
    expect(violations(edges)).toEqual([]);
  });
});
