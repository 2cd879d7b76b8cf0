export {
  DciError,
  type DciAccount,
  type DciApi,
  type DciConversation,
  type DciConversationPage,
  type DciErrorCode,
  type DciRecording,
  type DciRequestBudget,
} from './dciApi';
export { DCI_PAGE_SIZE, DciClient, dciApiRootOf, type DciClientOptions } from './dciClient';
export {
  readAccount,
  readConversationDetail,
  readConversationList,
  readConversationObject,
  readRecordingUrl,
  readSummary,
  readUserList,
  toContractConversation,
  type ConversationListReading,
  type DciRawConversation,
  type Reading,
} from './readDciAnswers';
export {
  testDciConnection,
  type DciConnectionCheck,
  type DciConnectionStep,
  type DciConnectionStepName,
} from './testDciConnection';
