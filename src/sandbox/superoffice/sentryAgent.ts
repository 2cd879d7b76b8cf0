import { forbidden, InvalidRequestError, ok, type ApiResponse } from './apiResponses';
import type { Agent, AgentContext } from './agentMethod';
import { optionalString, requestObject } from './readRequestFields';
import { SENTRY_TABLES, type SentryTableName } from './types';

function knownTable(tableName: string | undefined): SentryTableName {
  const wanted = tableName?.toLowerCase();
  const table = SENTRY_TABLES.find((name) => name === wanted);
  if (table === undefined) throw new InvalidRequestError(`Unknown table "${tableName ?? ''}".`);
  return table;
}

/** A 403 when the API user lacks `right` on `table`; undefined when it has it (see the emulator's header). */
export function refusedRight(
  context: AgentContext,
  table: SentryTableName,
  right: 'Select' | 'Update' | 'Insert' | 'Delete',
): ApiResponse | undefined {
  const mask = context.store.newTableRight(table).split(/,\s*/u);
  return mask.includes(right) ? undefined : forbidden(`The user has no ${right} right on ${table}.`);
}

/** `v1/Agents/Sentry/*`: the API user's rights, as the script's setup check reads them. */
export const sentryAgent: Agent = {
  GetNewTableRight(context, call) {
    const table = knownTable(optionalString(requestObject(call.body, 'GetNewTableRight'), 'tableName'));
    const mask = context.store.newTableRight(table);
    const all = ['Select', 'Update', 'Insert', 'Delete'].every((right) => mask.split(/,\s*/u).includes(right));
    return ok({ Mask: mask, Reason: all ? '' : `Restricted by the user's role on ${table}.` });
  },
};
