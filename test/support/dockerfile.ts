import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One instruction of a Dockerfile: `RUN npm ci` is `{ keyword: 'RUN', args: 'npm ci' }`. */
export interface DockerInstruction {
  keyword: string;
  args: string;
  /** The exec form's argument list (`CMD ["node", "main.js"]`), undefined in shell form. */
  exec?: string[];
}

/** A build stage: its `FROM` line and the instructions up to the next `FROM`. */
export interface DockerStage {
  from: string;
  name: string | undefined;
  instructions: DockerInstruction[];
}

export const REPOSITORY_ROOT = join(__dirname, '..', '..');

/**
 * The repository's Dockerfile read as Docker reads it: comments and blank lines dropped, `\` continuations joined,
 * instructions grouped by stage. No docker daemon runs here, so the tests check the file through this.
 */
export function readDockerfile(path = join(REPOSITORY_ROOT, 'Dockerfile')): DockerStage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (pending !== '' && line.startsWith('#')) continue; // a comment inside a continuation is skipped
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  if (pending !== '') throw new Error(`${path} ends inside a continued line`);

  const stages: DockerStage[] = [];
  for (const line of logical) {
    const match = /^(\S+)\s+(.*)$/su.exec(line);
    if (match === null) throw new Error(`${path}: not an instruction: ${line}`);
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!;
    if (keyword === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/iu.exec(args);
      if (from === null) throw new Error(`${path}: unreadable FROM: ${args}`);
      stages.push({ from: from[1]!, name: from[2], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`${path}: ${keyword} before the first FROM`);
    stage.instructions.push({ keyword, args, ...execForm(args) });
  }
  return stages;
}

/** `["node", "x.js"]` (after any `--option=…` flags, as in HEALTHCHECK … CMD [...]) as a list, when it is one. */
function execForm(args: string): { exec?: string[] } {
  const json = /(\[.*\])\s*$/su.exec(args);
  if (json === null) return {};
  try {
    const parsed: unknown = JSON.parse(json[1]!);
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return { exec: parsed };
  } catch {
    // shell form that happens to end in a bracket
  }
  return {};
}

/** The instructions of `stage` with `keyword`. */
export function instructionsOf(stage: DockerStage, keyword: string): DockerInstruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** The last instruction with `keyword` in `stage`, or a failure naming what is missing. */
export function lastInstruction(stage: DockerStage, keyword: string): DockerInstruction {
  const found = instructionsOf(stage, keyword).at(-1);
  if (found === undefined) throw new Error(`the Dockerfile's stage ${stage.name ?? stage.from} has no ${keyword}`);
  return found;
}

/** `ENV A=1 B=2` instructions of `stage` as one record (the `KEY=value` form only). */
export function envOf(stage: DockerStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of instructionsOf(stage, 'ENV')) {
    for (const pair of args.split(/\s+/u)) {
      const equals = pair.indexOf('=');
      if (equals <= 0) throw new Error(`ENV in the KEY=value form only: ${args}`);
      env[pair.slice(0, equals)] = pair.slice(equals + 1);
    }
  }
  return env;
}
