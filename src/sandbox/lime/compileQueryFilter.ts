import { beginsWith, coerceOperand, compareFieldValues, containsText, foldText, valuesEqual } from './compareValues';
import type { Field, FieldValue } from './readField';
import { resolveFieldPath, type QueryContext } from './resolveFieldPath';
import type { LimeRecord, LimetypeDef } from './types';

export type Predicate = (record: LimeRecord) => boolean;

/** A filter that could not be compiled: the message for the 400. */
export interface FilterProblem {
  problem: string;
}

const COMPARISONS = new Set(['=', '!=', '>', '<', '>=', '<=', '=?', '?']);

/**
 * A Query API `filter` → a predicate. Leaves `{key, op, exp}`; groups `{op: "AND"|"OR", exp: [...]}`;
 * `{op: "!", exp: <expression>}` negates; `{}` or no filter matches everything. Every limetype a dotted key
 * passes through is added to `touched`.
 */
export function compileQueryFilter(
  context: QueryContext,
  limetype: LimetypeDef,
  filter: unknown,
  touched: Set<string>,
): Predicate | FilterProblem {
  if (filter === undefined || filter === null) return () => true;
  if (typeof filter !== 'object' || Array.isArray(filter)) {
    return { problem: `A filter expression must be an object, not ${JSON.stringify(filter)}.` };
  }
  const expression = filter as Record<string, unknown>;
  if (Object.keys(expression).length === 0) return () => true;
  const op = expression['op'];
  if (typeof op !== 'string') return { problem: 'A filter expression needs an "op".' };
  const upper = op.toUpperCase();
  if (upper === 'AND' || upper === 'OR') return compileGroup(context, limetype, upper, expression['exp'], touched);
  if (op === '!') {
    const inner = expression['exp'];
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
      return { problem: 'The "!" operator negates an expression: {"op": "!", "exp": {...}}.' };
    }
    const compiled = compileQueryFilter(context, limetype, inner, touched);
    return typeof compiled === 'function' ? (record) => !compiled(record) : compiled;
  }
  return compileLeaf(context, limetype, expression, upper === 'IN' ? 'IN' : op, touched);
}

function compileGroup(
  context: QueryContext,
  limetype: LimetypeDef,
  op: 'AND' | 'OR',
  exp: unknown,
  touched: Set<string>,
): Predicate | FilterProblem {
  if (!Array.isArray(exp)) return { problem: `"${op}" needs an array of expressions in "exp".` };
  const parts: Predicate[] = [];
  for (const item of exp) {
    const compiled = compileQueryFilter(context, limetype, item, touched);
    if (typeof compiled !== 'function') return compiled;
    parts.push(compiled);
  }
  return op === 'AND'
    ? (record) => parts.every((part) => part(record))
    : (record) => parts.some((part) => part(record));
}

function compileLeaf(
  context: QueryContext,
  limetype: LimetypeDef,
  expression: Record<string, unknown>,
  op: string,
  touched: Set<string>,
): Predicate | FilterProblem {
  const key = expression['key'];
  if (typeof key !== 'string') return { problem: `The "${op}" operator needs a "key".` };
  if (op !== 'IN' && !COMPARISONS.has(op)) return { problem: `Unknown operator "${op}".` };
  const path = resolveFieldPath(context, limetype, key);
  if (typeof path === 'string') return { problem: path };
  path.throughLimetypes.forEach((name) => touched.add(name));
  const { field } = path;
  const raw = expression['exp'];
  if (op === 'IN') {
    if (!Array.isArray(raw)) return { problem: `"IN" needs an array in "exp" (key "${key}").` };
    const operands: FieldValue[] = [];
    for (const item of raw) {
      const operand = coerceOperand(field, item);
      if (!operand.ok) return { problem: operand.message };
      operands.push(operand.value);
    }
    // Text against text operands is a set lookup of folded text (what valuesEqual compares), not a scan per record.
    const texts = operands.every((operand) => typeof operand === 'string')
      ? new Set(operands.map((operand) => foldText(String(operand))))
      : undefined;
    return (record) => {
      const actual = path.read(record);
      if (texts !== undefined && typeof actual === 'string') return texts.has(foldText(actual));
      return operands.some((operand) => valuesEqual(field, actual, operand));
    };
  }
  const coerced = op === '=?' || op === '?' ? coerceSearchText(raw) : coerceOperand(field, raw);
  if (!coerced.ok) return { problem: coerced.message };
  const operand = coerced.value;
  const test = comparison(op, field, operand);
  return (record) => test(path.read(record));
}

function coerceSearchText(raw: unknown): { ok: true; value: string } | { ok: false; message: string } {
  return typeof raw === 'string' || typeof raw === 'number'
    ? { ok: true, value: String(raw) }
    : { ok: false, message: `"=?" and "?" search for text, not ${JSON.stringify(raw)}.` };
}

function comparison(op: string, field: Field, operand: FieldValue): (actual: FieldValue) => boolean {
  const ordered = (accept: (order: number) => boolean) => (actual: FieldValue) =>
    actual !== null && operand !== null && accept(compareFieldValues(actual, operand));
  switch (op) {
    case '=':
      return (actual) => valuesEqual(field, actual, operand);
    case '!=':
      return (actual) => !valuesEqual(field, actual, operand);
    case '>':
      return ordered((order) => order > 0);
    case '<':
      return ordered((order) => order < 0);
    case '>=':
      return ordered((order) => order >= 0);
    case '<=':
      return ordered((order) => order <= 0);
    case '=?':
      return (actual) => beginsWith(field, actual, operand);
    default:
      return (actual) => containsText(field, actual, operand);
  }
}
