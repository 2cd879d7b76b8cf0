import { badRequest, InvalidRequestError, ok } from './apiResponses';
import { refusedRight } from './sentryAgent';
import type { Agent, AgentContext } from './agentMethod';
import { optionalInteger, optionalObject, optionalString, requestObject } from './readRequestFields';
import { foreignAppCarrier, foreignDeviceCarrier, foreignKeyCarrier } from './serializeEntities';
import type { ForeignAppRecord } from './types';

/**
 * `v1/Agents/ForeignSystem/*`: the script's own references (idempotency keys) under an application and a device
 * that must exist first, as in the vendor's only example (SuperOfficeDocs `docs/api/netserver/foreign-keys/index.md`:
 * SaveForeignAppEntity, SaveForeignDevice, then the key).
 */
export const foreignSystemAgent: Agent = {
  GetAppByName(context, call) {
    const app = context.store.foreignApp(applicationName(requestObject(call.body, 'GetAppByName')));
    return ok(app === undefined ? null : appCarrier(context, app));
  },

  SaveForeignAppEntity(context, call) {
    const entity = requestObject(call.body, 'SaveForeignAppEntity');
    const outcome = context.store.saveForeignApp(
      optionalInteger(entity, 'foreignAppId') ?? 0,
      optionalString(entity, 'name') ?? '',
    );
    return outcome.kind === 'written' ? ok(appCarrier(context, outcome.record)) : badRequest(outcome.message);
  },

  GetDeviceByName(context, call) {
    const request = requestObject(call.body, 'GetDeviceByName');
    const device = context.store.foreignDevice(applicationName(request), optionalString(request, 'deviceName') ?? '');
    return ok(device === undefined ? null : foreignDeviceCarrier(context, device));
  },

  GetDeviceByIdentifier(context, call) {
    const request = requestObject(call.body, 'GetDeviceByIdentifier');
    const device = context.store.foreignDevice(
      applicationName(request),
      optionalString(request, 'deviceName') ?? '',
      optionalString(request, 'deviceIdentifier') ?? '',
    );
    return ok(device === undefined ? null : foreignDeviceCarrier(context, device));
  },

  SaveForeignDevice(context, call) {
    const request = requestObject(call.body, 'SaveForeignDevice');
    const device = optionalObject(request, 'foreignDevice');
    if (device === undefined) throw new InvalidRequestError('"foreignDevice" is required.');
    const outcome = context.store.saveForeignDevice(applicationName(request), {
      foreignDeviceId: optionalInteger(device, 'foreignDeviceId') ?? 0,
      name: optionalString(device, 'name') ?? '',
      deviceIdentifier: optionalString(device, 'deviceIdentifier') ?? '',
    });
    return outcome.kind === 'written' ? ok(foreignDeviceCarrier(context, outcome.record)) : badRequest(outcome.message);
  },

  GetKeyByValue(context, call) {
    const refused = refusedRight(context, 'foreignkey', 'Select');
    if (refused) return refused;
    const request = requestObject(call.body, 'GetKeyByValue');
    const application = applicationName(request);
    const deviceName = optionalString(request, 'deviceName') ?? '';
    // Refused rather than answered with null: whether NetServer answers null or fails for an application or device
    // that does not exist is not documented, so the emulator takes the stricter side [assumption].
    if (context.store.foreignDevice(application, deviceName) === undefined) {
      return badRequest('There is no foreign application and device with those names.');
    }
    const key = context.store.keyByValue({
      applicationName: application,
      deviceName,
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
      applicationName: applicationName(request),
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

function applicationName(request: Record<string, unknown>): string {
  return optionalString(request, 'applicationName') ?? '';
}

function appCarrier(context: AgentContext, app: ForeignAppRecord): Record<string, unknown> {
  const devices = context.store.foreignDevices().filter((device) => device.foreignAppId === app.foreignAppId);
  return foreignAppCarrier(context, app, devices);
}
