/** js-yaml ships no types (it comes with the dev tools, through eslint): the one call the specs make. */
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
