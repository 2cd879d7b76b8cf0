import { findLimetype, findProperty } from './findInModel';
import { isListRelation, isSingleRelation, isSystemProperty } from './propertyKinds';
import type { QueryContext } from './resolveFieldPath';
import { serializeValue, storedValue, systemValue } from './serializeObject';
import type { LimeRecord, LimetypeDef } from './types';

export type ObjectFormatter = (record: LimeRecord) => Record<string, unknown>;

/** A responseFormat that could not be compiled: the message for the 400. */
export interface FormatProblem {
  problem: string;
}

type ValueReader = (record: LimeRecord) => unknown;

/**
 * `responseFormat.object` → a function that shapes one object. Leaves are `null` or `""`; `{"_alias": "x"}` renames;
 * a nested spec on a belongsto gives the related object in that shape (null when unset). Every limetype a nested
 * spec reaches is added to `touched`.
 */
export function compileResponseFormat(
  context: QueryContext,
  limetype: LimetypeDef,
  spec: unknown,
  touched: Set<string>,
): ObjectFormatter | FormatProblem {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    return { problem: `responseFormat for ${limetype.name} must be an object of property names.` };
  }
  const outputs: Array<{ name: string; read: ValueReader }> = [];
  for (const [name, entry] of Object.entries(spec)) {
    if (name === '_alias') continue;
    const parsed = parseEntry(name, entry);
    if ('problem' in parsed) return parsed;
    const read = compileEntry(context, limetype, name, parsed.nested, touched);
    if ('problem' in read) return read;
    outputs.push({ name: parsed.alias, read: read.reader });
  }
  return (record) => Object.fromEntries(outputs.map((output) => [output.name, output.read(record)]));
}

function parseEntry(
  name: string,
  entry: unknown,
): { alias: string; nested: Record<string, unknown> | undefined } | FormatProblem {
  if (entry === null || entry === '') return { alias: name, nested: undefined };
  if (typeof entry !== 'object' || Array.isArray(entry)) {
    return { problem: `responseFormat "${name}" must be null, "" or an object, not ${JSON.stringify(entry)}.` };
  }
  const { _alias: alias, ...nested } = entry as Record<string, unknown>;
  if (alias !== undefined && typeof alias !== 'string') return { problem: `"_alias" of "${name}" must be a string.` };
  return { alias: alias ?? name, nested: Object.keys(nested).length > 0 ? nested : undefined };
}

function compileEntry(
  context: QueryContext,
  limetype: LimetypeDef,
  name: string,
  nested: Record<string, unknown> | undefined,
  touched: Set<string>,
): { reader: ValueReader } | FormatProblem {
  if (isSystemProperty(name)) {
    if (nested !== undefined) return { problem: `"${name}" is not a relation and has no nested properties.` };
    return { reader: (record) => systemValue(limetype, record, name) };
  }
  const property = findProperty(limetype, name);
  if (property === undefined) return { problem: `The property "${name}" does not exist on ${limetype.name}.` };
  if (isListRelation(property.type)) {
    return { problem: `"${name}" is a ${property.type} relation; those are not supported in responseFormat.` };
  }
  if (nested === undefined) return { reader: (record) => serializeValue(property, storedValue(property, record)) };
  const related = property.relatedType === undefined ? undefined : findLimetype(context.model, property.relatedType);
  if (!isSingleRelation(property.type) || related === undefined) {
    return { problem: `"${name}" is not a belongsto relation and has no nested properties.` };
  }
  touched.add(related.name);
  const formatNested = compileResponseFormat(context, related, nested, touched);
  if (typeof formatNested !== 'function') return formatNested;
  return {
    reader: (record) => {
      const id = storedValue(property, record);
      const target = typeof id === 'number' ? context.store.find(related.name, id) : undefined;
      return target === undefined ? null : formatNested(target);
    },
  };
}
