// The shared core: pure code bundled into both the receiver and the SuperOffice script. It imports nothing from
// the rest of src/ and uses no Node built-ins (checked by tsconfig.core.json).
export { assertNever } from './assertNever';
export { formatIssuePath, MAX_REPORTED_KEYS, topLevelKeys, type PayloadIssue } from './payloadIssue';
export { isIdentifierText, toSingleLine, withoutControlCharacters } from './cleanText';
export {
  MAX_DURATION_SECONDS,
  MAX_PARTICIPANTS,
  MAX_SUMMARY_LENGTH,
  parseSummaryPayload,
  summaryPayloadSchema,
  type MeetingSummary,
  type SummaryParseResult,
  type SummaryParticipant,
  type SummaryPerson,
  type SummaryPresenter,
} from './summaryPayload';
export {
  FLAT_FIELD_ALIASES,
  FLAT_PARTICIPANT_ALIASES,
  FLAT_PARTICIPANT_FIELD_ALIASES,
  FLAT_PRESENTER_ALIASES,
  parseFlatSummaryBody,
} from './flatSummaryBody';
export { readSummaryBody, type BodyShape, type SummaryBodyRead } from './readSummaryBody';
export { summaryPayloadJsonSchema } from './summaryPayloadJsonSchema';
export { emailDomain, normalizeEmail } from './normalizeEmail';
export { companyDomainOf, isFreeMailDomain } from './companyDomain';
export {
  isSupportedRegion,
  normalizePhone,
  readAsWrittenNationally,
  regionOf,
  toE164,
  type NormalizedPhone,
  type PhoneInvalidReason,
} from './normalizePhone';
export { normalizeCompanyName, sameCompanyName } from './normalizeCompanyName';
export { phoneWrittenForms } from './phoneWrittenForms';
export {
  classifyParticipants,
  DEFAULT_INTERNAL_ROLES,
  FREE_MAIL_DOMAINS,
  splitName,
  type ClassifiedParticipant,
  type ClassifyOptions,
  type InternalReason,
  type ParticipantClassification,
  type ParticipantPhone,
} from './classifyParticipants';
export {
  decideMatch,
  hasNumberIndexMayMiss,
  numbersToLookUp,
  type AmbiguityReason,
  type CompanyCandidate,
  type CrmId,
  type MatchCandidates,
  type MatchDecision,
  type MatchKey,
  type MatchOptions,
  type MatchStep,
  type PersonCandidate,
  type TieBreakRule,
} from './decideMatch';
export { conversationReference, findConversationReference, referenceLine } from './conversationReference';
export {
  formatMeetingTime,
  formatNoteDateTime,
  formatterFor,
  isValidTimeZone,
  localDateTime,
} from './formatMeetingTime';
export {
  DEFAULT_NOTE_LANGUAGE,
  formatDuration,
  isNoteLanguage,
  NOTE_LABELS,
  NOTE_LANGUAGE_NAMES,
  NOTE_LANGUAGES,
  noteLabels,
  type NoteLabels,
  type NoteLanguage,
  type WallClock,
} from './noteLabels';
export { parseRetryAfter } from './parseRetryAfter';
export {
  DEFAULT_NOTE_MAX_LENGTH,
  DEFAULT_TIME_ZONE,
  MIN_NOTE_MAX_LENGTH,
  renderNote,
  type RenderedNote,
  type RenderNoteOptions,
  type ShortenedPart,
} from './renderNote';
export {
  type CandidateSearch,
  type CreatedContact,
  type MeetingCrm,
  type NoteTarget,
  type PersonTarget,
} from './meetingCrm';
export {
  deliverMeeting,
  PersonNotFoundError,
  type MeetingPolicy,
  type PersonAssignment,
  type MeetingResult,
  type ParticipantOutcome,
  type ParticipantOutcomeKind,
} from './deliverMeeting';
export { CRM_REQUESTS_PER_MEETING, mapWithLimit } from './mapWithLimit';
export {
  formatHistoryTypeMap,
  historyTypeMapEntryText,
  parseHistoryTypeMap,
  pickHistoryType,
  unknownHistoryTypes,
  type HistoryTypeDimension,
  type HistoryTypeMap,
  type HistoryTypeMapEntry,
  type HistoryTypeMapRead,
  type PickedHistoryType,
} from './historyTypeMap';
export {
  meetingOutcome,
  NOTE_OUTCOMES,
  PARTICIPANT_OUTCOME_CATEGORIES,
  participantOutcomeCategory,
  type MeetingOutcome,
  type ParticipantOutcomeCategory,
} from './meetingOutcome';
