/**
 * Header naming what a message carries, for readers of the stream and of dead letters (ingest routes
 * by subject, which its consumers filter on).
 */
export const KIND_HEADER = 'Audit-Kind';
export type MessageKind = 'event' | 'permission';
/** JetStream's de-duplication header: a second publish with the same id within the window is dropped. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';
/** JetStream refuses a message with this header when the stream that would take it has another name. */
export const EXPECTED_STREAM_HEADER = 'Nats-Expected-Stream';
/** On dead-lettered messages: why the message could not be ingested. */
export const REASON_HEADER = 'Audit-Dead-Letter-Reason';
/** On dead-lettered messages: the subject and stream sequence of the original. */
export const ORIGINAL_SUBJECT_HEADER = 'Audit-Original-Subject';
export const ORIGINAL_SEQUENCE_HEADER = 'Audit-Original-Sequence';
