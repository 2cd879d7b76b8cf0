import { formatLimeTime, parseLimeTime } from './limeTime';
import type { Field, FieldValue } from './readField';

// String comparison is case-insensitive but accent-sensitive, like the Finnish_Swedish_CI_AS collation Lime's
// SQL Server databases use: "ANNA" = "anna", "Oberg" ≠ "Öberg", and "Ö" sorts after "Z".
const collator = new Intl.Collator('sv', { sensitivity: 'accent' });

/** Folded texts, remembered: a query compares every stored value with every operand, and Swedish lower-casing is slow. */
const folded = new Map<string, string>();
const FOLDED_KEPT = 50_000;

/** Text as compared: lower-cased the Swedish way (case-insensitive, accent-sensitive). */
export function foldText(text: string): string {
  let result = folded.get(text);
  if (result === undefined) {
    if (folded.size >= FOLDED_KEPT) folded.clear();
    result = text.toLocaleLowerCase('sv');
    folded.set(text, result);
  }
  return result;
}

export type Operand = { ok: true; value: FieldValue } | { ok: false; message: string };

/** A filter value (query-string text or a Query API `exp`) in the field's terms; null stays null. */
export function coerceOperand(field: Field, raw: unknown): Operand {
  if (raw === null) return { ok: true, value: null };
  const invalid: Operand = { ok: false, message: `Invalid value ${JSON.stringify(raw)} for "${field.name}".` };
  switch (field.kind) {
    case 'text':
      return typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean'
        ? { ok: true, value: String(raw) }
        : invalid;
    case 'option':
    case 'set':
      return optionOperand(field, raw) ?? invalid;
    case 'number': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return Number.isFinite(value) ? { ok: true, value } : invalid;
    }
    case 'id': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/u.test(raw) ? Number(raw) : NaN;
      return Number.isInteger(value) ? { ok: true, value } : invalid;
    }
    case 'boolean': {
      if (raw === true || raw === 1 || raw === 'true' || raw === '1') return { ok: true, value: true };
      if (raw === false || raw === 0 || raw === 'false' || raw === '0') return { ok: true, value: false };
      return invalid;
    }
    case 'time': {
      const value = typeof raw === 'string' ? parseLimeTime(raw) : undefined;
      return value === undefined ? invalid : { ok: true, value };
    }
    case 'list':
      return invalid;
  }
}

function optionOperand(field: Field, raw: unknown): Operand | undefined {
  if (typeof raw === 'string') return { ok: true, value: raw };
  if (typeof raw === 'number' && field.source === 'property') {
    const option = (field.property.options ?? []).find((candidate) => candidate.id === raw);
    return option === undefined ? undefined : { ok: true, value: option.key };
  }
  return undefined;
}

/** Whether a value counts as empty for `= null`: null, `""`, the `empty` option, an empty set. */
export function isEmptyValue(field: Field, value: FieldValue): boolean {
  if (value === null) return true;
  if (field.kind === 'text') return value === '';
  if (field.kind === 'option') return value === 'empty';
  return field.kind === 'set' && Array.isArray(value) && value.length === 0;
}

export function valuesEqual(field: Field, actual: FieldValue, operand: FieldValue): boolean {
  if (operand === null) return isEmptyValue(field, actual);
  if (Array.isArray(actual))
    return typeof operand === 'string' && actual.some((key) => foldText(key) === foldText(operand));
  if (typeof actual === 'string' && typeof operand === 'string') return foldText(actual) === foldText(operand);
  return actual === operand;
}

/** Ordering for sorting and `<`/`>`: nulls first, text by the Swedish collation. */
export function compareFieldValues(a: FieldValue, b: FieldValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (typeof a === 'string' && typeof b === 'string') return collator.compare(a, b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return collator.compare(String(a), String(b));
}

/** The text `=?` and `?` search in: the value as written, option keys, times in ISO form. */
function searchableText(field: Field, value: FieldValue): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  if (field.kind === 'time' && typeof value === 'number') return [formatLimeTime(value)];
  return [String(value)];
}

export function beginsWith(field: Field, actual: FieldValue, operand: FieldValue): boolean {
  const prefix = foldText(String(operand ?? ''));
  return searchableText(field, actual).some((text) => foldText(text).startsWith(prefix));
}

export function containsText(field: Field, actual: FieldValue, operand: FieldValue): boolean {
  const part = foldText(String(operand ?? ''));
  return searchableText(field, actual).some((text) => foldText(text).includes(part));
}
