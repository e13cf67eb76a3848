import { InvalidEventError } from '../errors.js';
import { MAX_ACTION_LENGTH } from './audit-model.js';
import type { FieldMasker } from '../masking/mask.js';
import { CHANGES_KEY, CHANGES_TRUNCATED_KEY, computeChangePatch } from './change-patch.js';
import type { EventDraft, EventOptions } from './draft.js';
import { setKey } from './json-safe.js';

/** Options of createChangeEvent(): createEvent's, plus `always`. */
export interface ChangeEventOptions extends EventOptions {
  /**
   * Store an event even when before and after are the same (an empty `changes`), e.g. to record
   * that a save happened. Default false: nothing changed, no event, and the call resolves to null.
   */
  always?: boolean;
}

/** Splits `always` off; the rest is checked by newEvent() as createEvent's options are. */
export function changeEventOptions(options: unknown): { always: boolean; eventOptions: EventOptions | undefined } {
  if (options === undefined) return { always: false, eventOptions: undefined };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidEventError('createChangeEvent: options must be an object such as { always: true }');
  }
  const { always, ...eventOptions } = options as ChangeEventOptions;
  if (always !== undefined && typeof always !== 'boolean')
    throw new InvalidEventError('createChangeEvent: always must be a boolean');
  return { always: always === true, eventOptions };
}

/**
 * `<contentType>.updated` when the caller gave no `action` (an explicit null stays null); null when
 * that would be longer than an action may be (content types may be 255 characters, actions 200).
 */
export function defaultChangeAction(
  contentType: string | null,
  eventOptions: EventOptions | undefined,
): string | null | undefined {
  if (eventOptions !== undefined && eventOptions.action !== undefined) return undefined;
  if (contentType === null) return null;
  const action = `${contentType}.updated`;
  return action.length <= MAX_ACTION_LENGTH ? action : null;
}

/** Keys the patch owns: the caller's content may not set them, or it would overwrite the record of what changed. */
export function checkChangeContent(content: Record<string, unknown>): void {
  for (const key of [CHANGES_KEY, CHANGES_TRUNCATED_KEY]) {
    if (Object.prototype.hasOwnProperty.call(content, key)) {
      throw new InvalidEventError(`createChangeEvent: content.${key} is reserved for the change patch`);
    }
  }
}

/**
 * Puts the patch from `before` to `after` into the draft's content (`changes`, and
 * `changesTruncated` when a limit applied); false when nothing changed and the event is not
 * wanted. Masked with `masker` unless the draft stores its content unmasked.
 */
export function addChanges(
  draft: EventDraft,
  before: unknown,
  after: unknown,
  masker: FieldMasker,
  always: boolean,
): boolean {
  const patch = computeChangePatch(before, after, draft.maskContent ? masker : null);
  if (!patch.changed && !always) return false;
  // Over anything extraData put under the same keys: the patch is what this event is about.
  setKey(draft.content, CHANGES_KEY, patch.operations);
  if (patch.truncated !== null) setKey(draft.content, CHANGES_TRUNCATED_KEY, patch.truncated);
  else delete draft.content[CHANGES_TRUNCATED_KEY];
  return true;
}
