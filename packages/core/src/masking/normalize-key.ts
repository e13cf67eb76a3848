/**
 * Key normalisation before matching, so look-alike spellings of a sensitive name are caught:
 * - compatibility folding (NFKD): fullwidth `ｐａｓｓｗｏｒｄ`, long s `ſ`, ligatures, mathematical letters;
 * - combining marks removed: `pässwörd`, `p̲assword`;
 * - confusables folded: Cyrillic and Greek letters that look like Latin ones (`pаssword` with a
 *   Cyrillic `а`), dotless `ı`;
 * then (in normalizeFieldName) lower case and letters/digits only.
 * Pure-ASCII keys, the usual case, skip all of it.
 */

// Pairs of (look-alike, Latin); case is kept so camelCase word splitting still works.
const CONFUSABLE_PAIRS =
  // Cyrillic lower case
  'аaвbеeкkмmнhоoрpсcтtуyхxѕsіiїiјjԁdԛqԝwһhӏlɡgёeԍg' +
  // Cyrillic upper case
  'АAВBЕEКKМMНHОOРPСCТTУYХXЅSІIЇIЈJԀDԚQԜWҺHӀIЁE' +
  // Greek lower and upper case
  'αaβbεeιiκkνvοoρpτtυuχxγyΑAΒBΕEΖZΗHΙIΚKΜMΝNΟOΡPΤTΥYΧX' +
  // Latin odds and ends
  'ıiȷjɩiƽsʋvɑa';

const CONFUSABLES = new Map<string, string>();
for (let i = 0; i + 1 < CONFUSABLE_PAIRS.length; i += 2)
  CONFUSABLES.set(CONFUSABLE_PAIRS[i]!, CONFUSABLE_PAIRS[i + 1]!);

const NON_ASCII = /[^\x00-\x7f]/;
const COMBINING_MARKS = /\p{M}/gu;

/** The key with look-alike characters folded to ASCII where they have a Latin twin; case kept. */
export function foldKey(key: string): string {
  if (!NON_ASCII.test(key)) return key;
  const decomposed = key.normalize('NFKD').replace(COMBINING_MARKS, '');
  let out = '';
  for (const ch of decomposed) out += CONFUSABLES.get(ch) ?? ch;
  return out;
}

const NOT_ALNUM = /[^a-z0-9]/g;

/** `API-Key`, `api_key`, `apiKey`, `ａｐｉ＿ｋｅｙ` → `apikey`. */
export function normalizeFieldName(name: string): string {
  return normalizeFolded(foldKey(name));
}

/** normalizeFieldName of a key foldKey already went through. */
export function normalizeFolded(folded: string): string {
  return folded.toLowerCase().replace(NOT_ALNUM, '');
}
