import { badRequest, ok } from './apiResponses';
import { refusedRight } from './sentryAgent';
import type { Agent, AgentContext } from './agentMethod';
import {
  nestedId,
  optionalBoolean,
  optionalEnumName,
  optionalInteger,
  optionalString,
  property,
  queryId,
  requestObject,
} from './readRequestFields';
import { taskListItemCarrier } from './serializeCarriers';
import { appointmentEntityCarrier, type AppointmentView } from './serializeEntities';
import { parseRequestDate } from './soDates';
import type { SoActivityStatus, SoAppointmentType } from './types';

const APPOINTMENT_TYPES: readonly SoAppointmentType[] = [
  'Unknown',
  'inDiary',
  'inChecklist',
  'Note',
  'Document',
  'SavedReport',
  'BookingForDiary',
  'BookingForChecklist',
  'MergeDraft',
  'MergeFinal',
];

export const ACTIVITY_STATUSES: readonly SoActivityStatus[] = ['Unknown', 'NotStarted', 'Started', 'Completed'];

const HOUR_MS = 60 * 60 * 1000;

/** `v1/Agents/Appointment/*`: task types and the follow-up that carries the meeting summary. */
export const appointmentAgent: Agent = {
  GetTaskListItems(context, call) {
    const includeDeleted = optionalBoolean(requestObject(call.body, 'GetTaskListItems'), 'includeDeleted') ?? false;
    return ok(
      context.store
        .taskListItems()
        .filter((task) => includeDeleted || !task.deleted)
        .map(taskListItemCarrier),
    );
  },

  CreateDefaultAppointmentEntity(context) {
    return ok(appointmentEntityCarrier(context, defaultAppointment(context)));
  },

  SaveAppointmentEntity(context, call) {
    const entity = requestObject(call.body, 'SaveAppointmentEntity');
    const appointmentId = optionalInteger(entity, 'appointmentId') ?? 0;
    const refused = refusedRight(context, 'appointment', appointmentId === 0 ? 'Insert' : 'Update');
    if (refused) return refused;
    const outcome = context.store.saveAppointment(appointmentId, {
      title: optionalString(entity, 'title') ?? '',
      description: optionalString(entity, 'description') ?? '',
      location: optionalString(entity, 'location') ?? '',
      startDate: parseRequestDate(property(entity, 'startDate'), 'startDate', context.zone),
      endDate: parseRequestDate(property(entity, 'endDate'), 'endDate', context.zone),
      contactId: nestedId(entity, 'contact', 'contactId'),
      personId: nestedId(entity, 'person', 'personId'),
      associateId: nestedId(entity, 'associate', 'associateId'),
      taskListItemId: nestedId(entity, 'task', 'taskListItemId'),
      saleId: nestedId(entity, 'sale', 'saleId'),
      completed: optionalEnumName(entity, 'completed', ACTIVITY_STATUSES) ?? 'NotStarted',
      type: optionalEnumName(entity, 'type', APPOINTMENT_TYPES) ?? 'inDiary',
    });
    return outcome.kind === 'written'
      ? ok(appointmentEntityCarrier(context, outcome.record))
      : badRequest(outcome.message);
  },

  DeleteAppointmentEntity(context, call) {
    const refused = refusedRight(context, 'appointment', 'Delete');
    if (refused) return refused;
    // Agents answer a delete of an unknown id with nothing, like the package's void promise expects [assumption].
    context.store.deleteAppointment(queryId(call.rawQuery, 'AppointmentEntityId'));
    return ok(null);
  },

  GetAppointmentEntity(context, call) {
    const appointment = context.store.appointment(queryId(call.rawQuery, 'appointmentEntityId'));
    return ok(appointment === undefined ? null : appointmentEntityCarrier(context, appointment));
  },
};

/**
 * What NetServer would compute for a new appointment, as far as the emulator knows: starts now (whole minute),
 * lasts an hour, the first active task, owned by the API user (the first associate seeded).
 */
function defaultAppointment(context: AgentContext): AppointmentView {
  const start = new Date(Math.floor(context.now().getTime() / 60_000) * 60_000);
  const firstTask = context.store.taskListItems().find((task) => !task.deleted);
  // The API user's own associate owns a new appointment in SuperOffice; the emulator takes the first associate
  // seeded as that user [assumption].
  const currentUser = context.store.associates()[0];
  return {
    appointmentId: 0,
    title: '',
    description: '',
    location: '',
    startDate: start.toISOString(),
    endDate: new Date(start.getTime() + HOUR_MS).toISOString(),
    contactId: 0,
    personId: 0,
    associateId: currentUser?.associateId ?? 0,
    taskListItemId: firstTask?.taskListItemId ?? 0,
    saleId: 0,
    completed: 'NotStarted',
    type: 'inDiary',
  };
}
