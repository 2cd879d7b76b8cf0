import { badRequest, ok } from './apiResponses';
import type { Agent } from './agentMethod';
import { optionalInteger, optionalString, requestObject } from './readRequestFields';
import { runArchiveQuery } from './runArchiveQuery';
import { refusedRight } from './sentryAgent';

/** The table whose Select right an archive query needs (another provider answers 400 in runArchiveQuery). */
const ARCHIVE_TABLES: Readonly<Record<string, 'contact' | 'person' | 'appointment' | 'document'>> = {
  contact: 'contact',
  person: 'person',
  diaryappointment: 'appointment',
  document: 'document',
};

/** `v1/Agents/Archive/*`: the archive search the script matches people with. */
export const archiveAgent: Agent = {
  GetArchiveListByColumns2(context, call) {
    const request = requestObject(call.body, 'GetArchiveListByColumns2');
    const providerName = optionalString(request, 'providerName') ?? '';
    const table = ARCHIVE_TABLES[providerName.toLowerCase()] ?? 'person';
    const refused = refusedRight(context, table, 'Select');
    if (refused) return refused;
    const outcome = runArchiveQuery(context.store, {
      providerName,
      columns: optionalString(request, 'columns') ?? '',
      sortOrder: optionalString(request, 'sortOrder') ?? '',
      restrictions: optionalString(request, 'restrictions') ?? '',
      entities: optionalString(request, 'entities') ?? '',
      page: optionalInteger(request, 'page') ?? 0,
      pageSize: optionalInteger(request, 'pageSize') ?? 0,
    });
    return outcome.kind === 'rows' ? ok(outcome.items) : badRequest(outcome.message);
  },
};
