/** Colours only on a terminal: a log written to a file or a pipe stays plain text. Nest's and MikroORM's loggers both honour NO_COLOR. */
export function coloursOnlyOnTerminal(): void {
  if (!process.stdout.isTTY) process.env.NO_COLOR ??= '1';
}
