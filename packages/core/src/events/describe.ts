import { NoContentObjectError } from '../errors.js';
import type { ContentRef } from './types.js';

/**
 * Turns whatever a handler passes as "the object this event is about" into a type and an id.
 * Return null when the object cannot be described; the caller turns that into a typed error.
 */
export type ContentDescriber = (contentObject: unknown) => ContentRef | null | undefined;

type Described = { contentType: string; objectId: string };

const MAX_LENGTH = 255;

/**
 * Default describer:
 * - a plain object `{ type, id }` is an explicit reference;
 * - any other object: type from a static `auditType` on its class, else an instance `auditType`,
 *   else the class name; id from `auditId`, else `id`.
 * Ids may be strings, numbers or bigints; they are stored as strings.
 */
export const defaultDescriber: ContentDescriber = (obj) => {
  if (obj === null || typeof obj !== 'object') return null;
  const record = obj as Record<string, unknown>;
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto === Object.prototype || proto === null) {
    const type = record['auditType'] ?? record['type'];
    const id = record['auditId'] ?? record['id'];
    return typeof type === 'string' && isId(id) ? { type, id } : null;
  }
  const ctor = (obj as { constructor?: { auditType?: unknown; name?: unknown } }).constructor;
  const type = ctor?.auditType ?? record['auditType'] ?? ctor?.name;
  const id = record['auditId'] ?? record['id'];
  return typeof type === 'string' && isId(id) ? { type, id } : null;
};

function isId(id: unknown): id is string | number | bigint {
  return typeof id === 'string' || typeof id === 'bigint' || (typeof id === 'number' && Number.isFinite(id));
}

/** Describes a content object, or throws NoContentObjectError saying what is missing. */
export function describeContentObject(
  contentObject: unknown,
  describer: ContentDescriber = defaultDescriber,
): Described {
  if (contentObject === null || contentObject === undefined) {
    throw new NoContentObjectError('Every audit event needs a content object; got ' + String(contentObject));
  }
  const ref = describer(contentObject);
  if (!ref) {
    throw new NoContentObjectError(
      'Cannot tell the type and id of the content object: pass { type, id }, give its class a ' +
        'static auditType and an id, or configure a describer',
    );
  }
  const contentType = ref.type;
  const objectId = String(ref.id);
  if (typeof contentType !== 'string' || contentType.length === 0 || contentType.length > MAX_LENGTH) {
    throw new NoContentObjectError(`Content type must be 1 to ${MAX_LENGTH} characters`);
  }
  if (objectId.length === 0 || objectId.length > MAX_LENGTH) {
    throw new NoContentObjectError(`Content object id must be 1 to ${MAX_LENGTH} characters`);
  }
  return { contentType, objectId };
}
