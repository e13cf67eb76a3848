import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { KIND_HEADER, ORIGINAL_SEQUENCE_HEADER, ORIGINAL_SUBJECT_HEADER, REASON_HEADER } from './headers.js';

/** Dead letters go here; outside `audit.events.>` and `audit.permissions.>`, inside the default stream's `audit.>`. */
export const DEFAULT_DEAD_LETTER_SUBJECT = 'audit.dead-letter';

export interface Poison {
  msg: JsMsg;
  reason: string;
}

/** Publishes the original bytes with the reason; its message id makes a repeat after a crash harmless. */
export async function deadLetter(js: JetStreamClient, subject: string, poison: Poison): Promise<void> {
  const h = natsHeaders();
  h.set(KIND_HEADER, 'dead-letter');
  h.set(REASON_HEADER, poison.reason.replace(/[\r\n]+/g, ' ').slice(0, 1000));
  h.set(ORIGINAL_SUBJECT_HEADER, poison.msg.subject);
  h.set(ORIGINAL_SEQUENCE_HEADER, String(poison.msg.seq));
  await js.publish(subject, poison.msg.data, {
    headers: h,
    msgID: `dead-letter-${poison.msg.info.stream}-${poison.msg.seq}`,
  });
}
