import { emptyValue } from './emptyValue';
import { findLimetype, findProperty } from './findInModel';
import { formatLimeDate, formatLimeTime, parseLimeTime } from './limeTime';
import { isListRelation, isSystemProperty, isTextLike } from './propertyKinds';
import type { LimeModel, LimeOptionDef, LimePropertyDef, LimetypeDef } from './types';

export type ValidationResult =
  | { kind: 'valid'; values: Record<string, unknown> }
  | { kind: 'invalid'; message: string; problems: Record<string, string> };

export interface ValidationContext {
  model: LimeModel;
  limetype: LimetypeDef;
  /** Whether an object of `limetype` with `id` is stored: relation values must point at one. */
  exists(limetype: string, id: number): boolean;
  /** Wall clock in microseconds, for the `'now'` default of time properties. */
  nowMicros(): number;
}

type Coerced = { ok: true; value: unknown } | { ok: false; problem: string };

/** A POST body → every value the new object stores (defaults applied, computed properties filled). */
export function validateCreate(context: ValidationContext, body: unknown): ValidationResult {
  const written = coerceBody(context, body);
  if (written.kind === 'invalid') return written;
  const values: Record<string, unknown> = {};
  const problems: Record<string, string> = {};
  for (const property of context.limetype.properties) {
    if (isListRelation(property.type) || property.readOnly === true) continue;
    const value = Object.hasOwn(written.values, property.name)
      ? written.values[property.name]
      : defaultFor(context, property);
    if (property.required === true && isMissing(property, value)) {
      problems[property.name] = 'is required';
      continue;
    }
    values[property.name] = value === undefined ? emptyValue(property) : value;
  }
  if (Object.keys(problems).length > 0) return invalid(problems);
  return { kind: 'valid', values: withComputed(context.limetype, values) };
}

/** A PUT body → the object's values after the partial update (properties not sent keep their value). */
export function validateUpdate(
  context: ValidationContext,
  current: Record<string, unknown>,
  body: unknown,
): ValidationResult {
  const written = coerceBody(context, body);
  if (written.kind === 'invalid') return written;
  const problems: Record<string, string> = {};
  for (const [name, value] of Object.entries(written.values)) {
    const property = findProperty(context.limetype, name);
    if (property?.required === true && isMissing(property, value)) problems[name] = 'is required';
  }
  if (Object.keys(problems).length > 0) return invalid(problems);
  return { kind: 'valid', values: withComputed(context.limetype, { ...current, ...written.values }) };
}

function coerceBody(context: ValidationContext, body: unknown): ValidationResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { kind: 'invalid', message: 'The request body must be a JSON object.', problems: {} };
  }
  const values: Record<string, unknown> = {};
  const problems: Record<string, string> = {};
  for (const [name, raw] of Object.entries(body)) {
    const property = findProperty(context.limetype, name);
    if (property === undefined) {
      problems[name] = isSystemProperty(name)
        ? 'is a system property and read-only'
        : `is not a property of ${context.limetype.name}`;
      continue;
    }
    const coerced = coerceValue(context, property, raw);
    if (coerced.ok) values[name] = coerced.value;
    else problems[name] = coerced.problem;
  }
  return Object.keys(problems).length > 0 ? invalid(problems) : { kind: 'valid', values };
}

function invalid(problems: Record<string, string>): ValidationResult {
  const summary = Object.entries(problems)
    .map(([name, problem]) => `"${name}" ${problem}`)
    .join('; ');
  return { kind: 'invalid', message: `Invalid field value: ${summary}.`, problems };
}

function coerceValue(context: ValidationContext, property: LimePropertyDef, raw: unknown): Coerced {
  if (property.readOnly === true) return { ok: false, problem: 'is read-only' };
  switch (property.type) {
    case 'string':
    case 'text':
    case 'phone':
    case 'link':
      return coerceText(property, raw);
    case 'integer':
      return Number.isInteger(raw) ? { ok: true, value: raw } : { ok: false, problem: 'must be an integer' };
    case 'decimal':
    case 'percent':
      return typeof raw === 'number' && Number.isFinite(raw)
        ? { ok: true, value: raw }
        : { ok: false, problem: 'must be a number' };
    case 'yesno':
      return typeof raw === 'boolean' ? { ok: true, value: raw } : { ok: false, problem: 'must be true or false' };
    case 'time':
    case 'date':
      return coerceTime(property, raw);
    case 'option':
      return coerceOption(property, raw);
    case 'set':
      return coerceSet(property, raw);
    case 'belongsto':
    case 'hasone':
      return coerceRelation(context, property, raw);
    case 'user':
    case 'file':
      return raw === null || Number.isInteger(raw)
        ? { ok: true, value: raw }
        : { ok: false, problem: 'must be an integer id or null' };
    case 'hasmany':
    case 'hasandbelongstomany':
      return { ok: false, problem: 'lists related objects and cannot be written; set the relation on the other side' };
    case 'system':
      return { ok: false, problem: 'is read-only' };
  }
}

function coerceText(property: LimePropertyDef, raw: unknown): Coerced {
  if (raw === null) return { ok: false, problem: 'may not be null; send "" to clear it' };
  if (typeof raw !== 'string') return { ok: false, problem: 'must be a string' };
  const length = [...raw].length;
  if (property.length !== undefined && length > property.length) {
    return { ok: false, problem: `is ${length} characters long; at most ${property.length} are allowed` };
  }
  return { ok: true, value: raw };
}

function coerceTime(property: LimePropertyDef, raw: unknown): Coerced {
  if (raw === null) return { ok: true, value: null };
  const micros = typeof raw === 'string' ? parseLimeTime(raw) : undefined;
  if (micros === undefined) return { ok: false, problem: 'must be an ISO 8601 date/time or null' };
  return { ok: true, value: property.type === 'date' ? formatLimeDate(micros) : formatLimeTime(micros) };
}

function optionKeyOf(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'object' && raw !== null && 'key' in raw && typeof raw.key === 'string') return raw.key;
  return undefined;
}

function findWritableOption(property: LimePropertyDef, raw: unknown): LimeOptionDef | string {
  const key = optionKeyOf(raw);
  if (key === undefined) return 'must be an option key (a string or {"key": "..."})';
  const option = (property.options ?? []).find((candidate) => candidate.key === key);
  if (option === undefined) return `has no option "${key}"`;
  if (option.inactive === true) return `option "${key}" is inactive`;
  return option;
}

function coerceOption(property: LimePropertyDef, raw: unknown): Coerced {
  const option = findWritableOption(property, raw);
  return typeof option === 'string' ? { ok: false, problem: option } : { ok: true, value: option.key };
}

function coerceSet(property: LimePropertyDef, raw: unknown): Coerced {
  if (!Array.isArray(raw)) return { ok: false, problem: 'must be an array of option keys' };
  const keys: string[] = [];
  for (const item of raw) {
    const option = findWritableOption(property, item);
    if (typeof option === 'string') return { ok: false, problem: option };
    keys.push(option.key);
  }
  return { ok: true, value: keys };
}

function coerceRelation(context: ValidationContext, property: LimePropertyDef, raw: unknown): Coerced {
  if (raw === null) return { ok: true, value: null };
  if (typeof raw !== 'number' || !Number.isInteger(raw)) return { ok: false, problem: 'must be an integer id or null' };
  const related = property.relatedType;
  if (related === undefined || findLimetype(context.model, related) === undefined || !context.exists(related, raw)) {
    return { ok: false, problem: `refers to ${related ?? 'an object'} ${raw}, which does not exist` };
  }
  return { ok: true, value: raw };
}

function defaultFor(context: ValidationContext, property: LimePropertyDef): unknown {
  if (property.defaultValue === undefined) return undefined;
  if ((property.type === 'time' || property.type === 'date') && property.defaultValue === 'now') {
    const now = context.nowMicros();
    return property.type === 'date' ? formatLimeDate(now) : formatLimeTime(now);
  }
  const coerced = coerceValue(context, property, property.defaultValue);
  return coerced.ok ? coerced.value : undefined;
}

function isMissing(property: LimePropertyDef, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (isTextLike(property.type)) return value === '';
  return Array.isArray(value) && value.length === 0;
}

function withComputed(limetype: LimetypeDef, values: Record<string, unknown>): Record<string, unknown> {
  const result = { ...values };
  for (const property of limetype.properties) {
    if (property.computedFrom === undefined) continue;
    const joined = property.computedFrom
      .map((name) => result[name])
      .filter((part) => part !== null && part !== undefined && part !== '')
      .map(String)
      .join(' ');
    result[property.name] = property.length === undefined ? joined : [...joined].slice(0, property.length).join('');
  }
  return result;
}
