import {
  findArchiveProvider,
  findColumn,
  type ArchiveColumn,
  type ArchiveProvider,
  type ArchiveRow,
  type CellValues,
} from './archiveProviders';
import { parseRestriction, type Restriction, type RestrictionLiteral } from './parseRestriction';
import { encodeArchiveDate } from './soDates';
import type { SuperOfficeStore } from './superOfficeStore';

/** The request of GetArchiveListByColumns2, as sent (comma-separated lists in strings). */
export interface ArchiveQuery {
  providerName: string;
  columns: string;
  sortOrder: string;
  restrictions: string;
  entities: string;
  page: number;
  pageSize: number;
}

export type ArchiveOutcome = { kind: 'rows'; items: unknown[] } | { kind: 'invalid'; message: string };

type Clause = Extract<Restriction, { kind: 'clause' }>;

/** A restriction clause checked against its column: the operands converted to the column's type. */
interface BoundClause {
  column: ArchiveColumn;
  clause: Clause;
  operands: Array<string | number | boolean>;
}

type BoundRestriction =
  { kind: 'and' | 'or'; left: BoundRestriction; right: BoundRestriction } | { kind: 'clause'; bound: BoundClause };

class ArchiveQueryError extends Error {}

const DATE_OPERATORS: readonly string[] = ['dateEquals', 'before', 'after', 'between'];

/** Runs one archive query: restriction → entities → order → page → `ArchiveListItem[]` (PascalCase). */
export function runArchiveQuery(store: SuperOfficeStore, query: ArchiveQuery): ArchiveOutcome {
  try {
    const provider = findArchiveProvider(store, query.providerName);
    if (provider === undefined) throw new ArchiveQueryError(`Unknown archive provider "${query.providerName}".`);
    if (query.restrictions.trim() === '') {
      throw new ArchiveQueryError('Archives will generally throw an exception if no restrictions are set.');
    }
    const parsed = parseRestriction(query.restrictions);
    if (parsed.kind === 'invalid') throw new ArchiveQueryError(parsed.message);
    const restriction = bind(provider, parsed.restriction);
    const columns = splitList(query.columns).map((name) => ({ name, column: requireColumn(provider, name) }));
    const entities = chosenEntities(provider, query.entities);
    const order = sortOrder(provider, query.sortOrder);
    if (!Number.isInteger(query.pageSize) || query.pageSize < 1) {
      throw new ArchiveQueryError('pageSize must be a positive integer.');
    }
    const skip = query.page < 0 ? -query.page : query.page * query.pageSize;
    const leaves = clauses(restriction);
    return {
      kind: 'rows',
      items: provider
        .rows(store)
        .filter((row) => entities.includes(row.entityName) && matches(restriction, row))
        .sort(order)
        .slice(skip, skip + query.pageSize)
        .map((row) => ({
          EntityName: row.entityName,
          PrimaryKey: row.primaryKey,
          ColumnData: Object.fromEntries(
            columns.map(({ name, column }) => [
              name,
              { DisplayValue: displayValue(column, row, leaves), TooltipHint: '', LinkHint: '' },
            ]),
          ),
          LinkHint: '',
          StyleHint: '',
          TableRight: null,
          FieldProperties: {},
        })),
    };
  } catch (error) {
    if (error instanceof ArchiveQueryError) return { kind: 'invalid', message: error.message };
    throw error;
  }
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function requireColumn(provider: ArchiveProvider, name: string): ArchiveColumn {
  const column = findColumn(provider, name);
  if (column === undefined) {
    const instead = provider.misnamed[name.trim().toLowerCase()];
    const hint = instead === undefined ? '' : ` Did you mean "${instead}"?`;
    throw new ArchiveQueryError(`The ${provider.name} archive has no column "${name}".${hint}`);
  }
  return column;
}

function chosenEntities(provider: ArchiveProvider, text: string): readonly string[] {
  const names = splitList(text);
  if (names.length === 0) return provider.entities;
  return names.map((name) => {
    const entity = provider.entities.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (entity === undefined) throw new ArchiveQueryError(`The ${provider.name} archive has no entity "${name}".`);
    return entity;
  });
}

function bind(provider: ArchiveProvider, restriction: Restriction): BoundRestriction {
  if (restriction.kind !== 'clause') {
    return { kind: restriction.kind, left: bind(provider, restriction.left), right: bind(provider, restriction.right) };
  }
  const column = requireColumn(provider, restriction.column);
  // A date column takes only the date operators, and they only a date column [assumption, stricter: the docs list
  // no other operators for the restriction type `date`].
  if ((column.type === 'date') !== DATE_OPERATORS.includes(restriction.operator)) {
    const needs = column.type === 'date' ? 'date, before, after or between' : `a ${column.type} operator`;
    throw new ArchiveQueryError(`"${column.name}" needs ${needs}, not "${restriction.operator}".`);
  }
  if (column.type !== 'string' && (restriction.operator === 'contains' || restriction.operator === 'begins')) {
    throw new ArchiveQueryError(`"${restriction.operator}" needs a string column; "${column.name}" is not one.`);
  }
  const operands = restriction.operands.map((operand) => convertOperand(column, operand));
  return { kind: 'clause', bound: { column, clause: restriction, operands } };
}

function convertOperand(column: ArchiveColumn, operand: RestrictionLiteral): string | number | boolean {
  const text = String(operand.value).trim().toLowerCase();
  switch (column.type) {
    case 'string':
      return String(operand.value).toLowerCase();
    case 'integer':
      if (/^-?\d+$/u.test(text)) return Number(text);
      break;
    case 'boolean':
      if (text === '1' || text === 'true') return true;
      if (text === '0' || text === 'false') return false;
      break;
    case 'date':
      // `YYYY-MM-DD` only, as the docs' examples write it [verified: odata/date.md]; a time or another form is
      // refused [assumption, stricter].
      if (operand.kind === 'string' && /^\d{4}-\d{2}-\d{2}$/u.test(operand.value)) return operand.value;
      break;
  }
  throw new ArchiveQueryError(`"${String(operand.value)}" is not a valid ${column.type} for "${column.name}".`);
}

function matches(restriction: BoundRestriction, row: ArchiveRow): boolean {
  switch (restriction.kind) {
    case 'and':
      return matches(restriction.left, row) && matches(restriction.right, row);
    case 'or':
      return matches(restriction.left, row) || matches(restriction.right, row);
    case 'clause':
      return searched(restriction.bound.column, row).some((value) => valueMatches(restriction.bound, value));
  }
}

/** String comparisons ignore case (the tenant's collation); they do not ignore accents or normalise phones. */
function valueMatches(bound: BoundClause, value: string | number | boolean): boolean {
  const cell = typeof value === 'string' ? value.toLowerCase() : value;
  switch (bound.clause.operator) {
    case 'equals':
    case 'in':
      return bound.operands.some((operand) => operand === cell);
    case 'contains':
      return typeof cell === 'string' && bound.operands.some((operand) => cell.includes(String(operand)));
    case 'begins':
      return typeof cell === 'string' && bound.operands.some((operand) => cell.startsWith(String(operand)));
    case 'dateEquals':
    case 'before':
    case 'after':
    case 'between':
      return typeof cell === 'string' && dateMatches(bound.clause.operator, cell.slice(0, 10), bound.operands);
  }
}

/**
 * Dates compare by their date part in UTC, the zone the stored instants and the archive cells are in — not the
 * tenant's zone, where a meeting just after midnight has another date [assumption, stricter: which zone NetServer
 * takes the date part in is not documented]. `between` includes its first date and excludes its last
 * [assumption, stricter than an inclusive range].
 */
function dateMatches(operator: string, day: string, operands: ReadonlyArray<string | number | boolean>): boolean {
  const [first = '', last = ''] = operands.map(String);
  switch (operator) {
    case 'dateEquals':
      return day === first;
    case 'before':
      return day < first;
    case 'after':
      return day > first;
    default:
      return day >= first && day < last;
  }
}

/** The values a restriction on the column compares with: the shown ones unless the column searches others. */
function searched(column: ArchiveColumn, row: ArchiveRow): CellValues {
  return column.searchValues?.(row) ?? column.values(row);
}

function clauses(restriction: BoundRestriction): BoundClause[] {
  return restriction.kind === 'clause'
    ? [restriction.bound]
    : [...clauses(restriction.left), ...clauses(restriction.right)];
}

/**
 * The encoded cell (CultureDataFormatter style): `[I:210]` for integers, `[I:1]`/`[I:0]` for booleans, `[D:…]` for
 * dates, plain text for strings. A multi-valued column shows the first value a restriction on it matched, else its
 * first value.
 */
function displayValue(column: ArchiveColumn, row: ArchiveRow, leaves: readonly BoundClause[]): string {
  const values = column.values(row);
  const onColumn = leaves.filter((leaf) => leaf.column === column);
  const matched = searched(column, row).findIndex((candidate) =>
    onColumn.some((leaf) => valueMatches(leaf, candidate)),
  );
  const value = values[matched] ?? values[0];
  if (value === undefined) return '';
  switch (column.type) {
    case 'integer':
      return `[I:${String(value)}]`;
    case 'boolean':
      return value === true ? '[I:1]' : '[I:0]';
    case 'date':
      return encodeArchiveDate(String(value));
    case 'string':
      return String(value);
  }
}

/** `"personUpdatedDate desc, personId"` → a row comparator; ties (and no order) go by primary key. */
function sortOrder(provider: ArchiveProvider, text: string): (left: ArchiveRow, right: ArchiveRow) => number {
  const keys = splitList(text).map((part) => {
    const [name = '', direction = 'asc', ...rest] = part.split(/\s+/u);
    const lowered = direction.toLowerCase();
    if (rest.length > 0 || (lowered !== 'asc' && lowered !== 'desc')) {
      throw new ArchiveQueryError(`Invalid sort order "${part}".`);
    }
    return { column: requireColumn(provider, name), sign: lowered === 'desc' ? -1 : 1 };
  });
  return (left, right) => {
    for (const { column, sign } of keys) {
      const difference = compareCells(column.values(left)[0], column.values(right)[0]);
      if (difference !== 0) return sign * difference;
    }
    return left.primaryKey - right.primaryKey;
  };
}

function compareCells(
  left: string | number | boolean | undefined,
  right: string | number | boolean | undefined,
): number {
  if (left === right) return 0;
  if (left === undefined) return -1;
  if (right === undefined) return 1;
  if (typeof left === 'string' && typeof right === 'string') {
    return left.localeCompare(right, 'sv', { sensitivity: 'accent' });
  }
  return Number(left) - Number(right);
}
