import { badRequest, InvalidRequestError, ok } from './apiResponses';
import { refusedRight } from './sentryAgent';
import type { Agent } from './agentMethod';
import { optionalInteger, optionalObject, optionalString, requestObject } from './readRequestFields';
import { foreignKeyCarrier } from './serializeEntities';

/** `v1/Agents/ForeignSystem/*`: the script's own references (idempotency keys). */
export const foreignSystemAgent: Agent = {
  GetKeyByValue(context, call) {
    const refused = refusedRight(context, 'foreignkey', 'Select');
    if (refused) return refused;
    const request = requestObject(call.body, 'GetKeyByValue');
    const key = context.store.keyByValue({
      applicationName: optionalString(request, 'applicationName') ?? '',
      deviceName: optionalString(request, 'deviceName') ?? '',
      key: optionalString(request, 'keyName') ?? '',
      value: optionalString(request, 'keyValue') ?? '',
      tableName: optionalString(request, 'tableName') ?? '',
    });
    return ok(key === undefined ? null : foreignKeyCarrier(context, key));
  },

  AddForeignKey(context, call) {
    const refused = refusedRight(context, 'foreignkey', 'Insert');
    if (refused) return refused;
    const request = requestObject(call.body, 'AddForeignKey');
    const foreignKey = optionalObject(request, 'foreignKey');
    if (foreignKey === undefined) throw new InvalidRequestError('"foreignKey" is required.');
    const outcome = context.store.addForeignKey({
      applicationName: optionalString(request, 'applicationName') ?? '',
      deviceName: optionalString(request, 'deviceName') ?? '',
      deviceIdentifier: optionalString(request, 'deviceIdentifier') ?? '',
      key: optionalString(foreignKey, 'key') ?? '',
      value: optionalString(foreignKey, 'value') ?? '',
      recordId: optionalInteger(foreignKey, 'recordId') ?? 0,
      tableName: optionalString(foreignKey, 'tableName') ?? '',
    });
    return outcome.kind === 'written' ? ok(foreignKeyCarrier(context, outcome.record)) : badRequest(outcome.message);
  },
};
