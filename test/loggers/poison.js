// Malformed events for the poison-event tests of every logger.
import { ev } from './helpers.js';

/** 20 events, the 8th of them malformed by `spoil`; names n0..n19. */
export function batchWithPoison(spoil) {
  const events = [];
  for (let i = 0; i < 20; i++) events.push(i === 7 ? spoil(ev(`n${i}`)) : ev(`n${i}`));
  return events;
}

/** A copy of a built event with some fields replaced (own properties only, like a hand-made event). */
export function spoiled(event, fields) {
  return Object.defineProperties({ ...event }, Object.getOwnPropertyDescriptors(fields));
}

export const POISONS = {
  'a missing timestamp': (e) => spoiled(e, { timestamp: undefined }),
  'a metadata getter that throws': (e) =>
    spoiled(e, {
      metadata: {
        get secret() {
          throw new Error('getter exploded');
        },
      },
    }),
  'attributes that are not strings': (e) => spoiled(e, { attributes: [10n] }),
};
