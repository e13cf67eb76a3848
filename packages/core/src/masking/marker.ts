/** The value that replaces a masked field; the key is kept so auditors see the field was sent. */
export const MASK = '********';
