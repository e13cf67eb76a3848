const IDENTIFIER = /^[A-Za-z_$][\w$]{0,63}$/;
const CODE = /^[\w.-]{1,40}$/;

/**
 * What the audit log keeps of an error a rule threw: its class and a well-formed `code`
 * (`Error [ECONNREFUSED]`, `PolicyServiceDown`), never its message, which can carry hosts, SQL,
 * user data or credentials. The app still gets the whole error in the denial.
 */
export function ruleErrorLabel(error: unknown): string {
  if (!(error instanceof Error)) return error === null ? 'null' : typeof error;
  try {
    const own = error.name;
    const ctor = (error.constructor as { name?: unknown } | undefined)?.name;
    // `name` stays "Error" in subclasses that do not set it: their constructor names them better.
    const name =
      typeof own === 'string' && IDENTIFIER.test(own) && own !== 'Error'
        ? own
        : typeof ctor === 'string' && IDENTIFIER.test(ctor)
          ? ctor
          : 'Error';
    const code: unknown = (error as { code?: unknown }).code;
    const codeText =
      typeof code === 'string' && CODE.test(code) ? code : Number.isSafeInteger(code) ? String(code) : null;
    return codeText === null ? name : `${name} [${codeText}]`;
  } catch {
    return 'Error'; // a throwing getter: the decision is denied all the same
  }
}
