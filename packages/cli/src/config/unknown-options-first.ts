import type { Command, Option } from 'commander';

/**
 * Commander checks required options before unknown ones, so `archive --older-then 90` says
 * "required option '--older-than' not specified" instead of naming the typo. This moves the
 * required-option check after commander's own unknown-option check (which also suggests the
 * closest name): every mandatory option of every command becomes optional to commander and is
 * checked in a preAction hook instead, with commander's own message and exit code.
 */
export function reportUnknownOptionsFirst(program: Command): void {
  const required = new Map<Command, Option[]>();
  const visit = (command: Command): void => {
    const mandatory = command.options.filter((option) => option.mandatory);
    for (const option of mandatory) option.mandatory = false;
    if (mandatory.length > 0) required.set(command, mandatory);
    command.commands.forEach(visit);
  };
  visit(program);
  // preAction runs after commander has rejected unknown options and before the action.
  program.hook('preAction', (_program, action) => {
    for (const option of required.get(action) ?? []) {
      if (action.getOptionValue(option.attributeName()) === undefined) {
        action.error(`error: required option '${option.flags}' not specified`, {
          code: 'commander.missingMandatoryOptionValue',
        });
      }
    }
  });
}
