// Matching a concrete URI against an RFC 6570 URI template, to find which backend serves a
// resources/read of a URI it did not list. Only matching is needed, never expansion.

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The regex fragment an expression `{op var,list}` can expand to. */
function expressionPattern(expr: string): string {
  const op = expr[0];
  switch (op) {
    case '+':
      return '(.*)';
    case '#':
      return '(?:#.*)?';
    case '.':
      return '((?:\\.[^/?#]*)*)';
    case '/':
      return '((?:/[^/?#]*)*)';
    case ';':
      return '((?:;[^/?#]*)*)';
    case '?':
    case '&':
      return `(?:[${op === '?' ? '?' : '&'}][^#]*)?`;
    default:
      return '([^/?#]*)';
  }
}

export function compileUriTemplate(template: string): RegExp {
  let pattern = '';
  let last = 0;
  for (const m of template.matchAll(/\{([^}]*)\}/g)) {
    pattern += escape(template.slice(last, m.index)) + expressionPattern(m[1]);
    last = m.index + m[0].length;
  }
  pattern += escape(template.slice(last));
  return new RegExp(`^${pattern}$`);
}
