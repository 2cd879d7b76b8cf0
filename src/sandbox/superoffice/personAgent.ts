import { badRequest, ok } from './apiResponses';
import { refusedRight } from './sentryAgent';
import type { Agent } from './agentMethod';
import {
  elementValues,
  nestedId,
  optionalBoolean,
  optionalInteger,
  optionalString,
  queryId,
  requestObject,
} from './readRequestFields';
import { personEntityCarrier } from './serializeEntities';

/** `v1/Agents/Person/*`: creating a person when nobody matched; reading one an admin assigned. */
export const personAgent: Agent = {
  // A missing person answers 200 with null, as the emulator's other Get…Entity do [assumption: NetServer agents
  // answer null for a missing row; shared/specs/superoffice.md §REST].
  GetPersonEntity(context, call) {
    const person = context.store.person(queryId(call.rawQuery, 'personEntityId'));
    return ok(person === undefined ? null : personEntityCarrier(context, person));
  },

  CreateDefaultPersonEntity(context) {
    return ok(personEntityCarrier(context, undefined));
  },

  SavePersonEntity(context, call) {
    const entity = requestObject(call.body, 'SavePersonEntity');
    const personId = optionalInteger(entity, 'personId') ?? 0;
    const refused = refusedRight(context, 'person', personId === 0 ? 'Insert' : 'Update');
    if (refused) return refused;
    const outcome = context.store.savePerson(personId, {
      firstname: optionalString(entity, 'firstname') ?? '',
      lastname: optionalString(entity, 'lastname') ?? '',
      contactId: nestedId(entity, 'contact', 'contactId'),
      emails: elementValues(entity, 'emails') ?? [],
      mobilePhones: elementValues(entity, 'mobilePhones') ?? [],
      officePhones: elementValues(entity, 'officePhones') ?? [],
      retired: optionalBoolean(entity, 'retired') ?? false,
    });
    return outcome.kind === 'written' ? ok(personEntityCarrier(context, outcome.record)) : badRequest(outcome.message);
  },
};
