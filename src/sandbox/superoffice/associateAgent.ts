import { InvalidRequestError, ok } from './apiResponses';
import type { Agent } from './agentMethod';
import { optionalInteger, queryId, requestObject } from './readRequestFields';
import { associateCarrier } from './serializeCarriers';

/** `v1/Agents/Associate/*`: the meeting owner, found through the person behind the user. */
export const associateAgent: Agent = {
  GetAssociate(context, call) {
    const associate = context.store.associate(queryId(call.rawQuery, 'associateId'));
    return ok(associate === undefined ? null : associateCarrier(context, associate));
  },

  GetAssociateByPersonId(context, call) {
    const personId = optionalInteger(requestObject(call.body, 'GetAssociateByPersonId'), 'personId');
    if (personId === undefined) throw new InvalidRequestError('"personId" is required.');
    const associate = context.store.associateOfPerson(personId);
    return ok(associate === undefined ? null : associateCarrier(context, associate));
  },
};
