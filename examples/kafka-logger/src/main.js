// Permission decisions → Kafka, one message per decision, keyed by the resource ("manager") so
// one resource's decisions stay ordered in one partition.
//
// Runs anywhere: with KAFKA_BROKERS set and kafkajs installed (`npm i kafkajs`) it sends to the
// real broker; otherwise a CONSOLE STAND-IN PRODUCER prints what would have been sent. The
// stand-in has the exact kafkajs `send({ topic, messages })` shape, so the logger code is the same.
import {
  AuditContext,
  PermissionCheckError,
  configureAuditLogger,
  definePermission,
  runWithAuditContext,
} from '@audit-events/core';
import { KafkaAuditLogger } from '@audit-events/kafka';

const TOPIC = process.env.KAFKA_TOPIC ?? 'permission-audit';

/** The real kafkajs producer when possible, else the clearly labelled console stand-in. */
async function createProducer() {
  const brokers = process.env.KAFKA_BROKERS;
  if (brokers) {
    let kafkajs;
    try {
      kafkajs = await import('kafkajs');
    } catch {
      console.warn('KAFKA_BROKERS is set but kafkajs is not installed (npm i kafkajs): using the console stand-in.');
    }
    if (kafkajs) {
      const kafka = new kafkajs.Kafka({ clientId: 'audit-events-example', brokers: brokers.split(',') });
      // Idempotent + one request in flight: broker-side retries cannot duplicate or reorder.
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      return { producer, label: `kafkajs → ${brokers}`, disconnect: () => producer.disconnect() };
    }
  }
  const standIn = {
    async send({ topic, messages }) {
      for (const message of messages) {
        console.log(`[console stand-in producer, no broker] topic=${topic} key=${message.key} value=${message.value}`);
      }
    },
  };
  return { producer: standIn, label: 'console stand-in producer (no Kafka broker)', disconnect: async () => {} };
}

const Project = definePermission({
  manager: 'Project',
  read: ['public'],
  update: ['isAdmin', 'isSelf'],
  attributes: { budget: { update: ['isAdmin'] } },
});

const { producer, label, disconnect } = await createProducer();
console.log(`Sending permission decisions to "${TOPIC}" via ${label}\n`);
const logger = new KafkaAuditLogger(producer, { topic: TOPIC, batchSize: 200, flushInterval: 200 });
configureAuditLogger(logger);

// Two requests, as the Express/Koa middleware would set them up: each decision carries the
// request's id, URL, method, IP and user.
const project = { id: 10, name: 'Apollo', budget: 100, creatorId: 7 };
const owner = { id: 7, username: 'grace' };
await runWithAuditContext(
  new AuditContext({
    requestId: 'req-1',
    method: 'PATCH',
    url: 'https://app.example/projects/10',
    ip: '203.0.113.5',
    user: owner,
  }),
  async () => {
    await Project.checkUpdate(project, { name: 'Artemis' });
    try {
      await Project.checkUpdate(project, { budget: 1_000_000 });
    } catch (err) {
      if (!(err instanceof PermissionCheckError)) throw err;
      console.log(`denied as expected: ${err.message}\n`);
    }
  },
);
await runWithAuditContext(
  new AuditContext({ requestId: 'req-2', method: 'PATCH', url: 'https://app.example/projects/10', ip: '198.51.100.7' }),
  () => Project.checkUpdate(project, { budget: 5 }, { user: { id: 1, username: 'root', isSuperuser: true } }),
);

// Shutdown: close() flushes what is queued; the producer belongs to the app and is disconnected after.
await logger.close();
await disconnect();
console.log(`\nwritten=${logger.writtenCount} failed=${logger.failedCount} dropped=${logger.droppedCount}`);
