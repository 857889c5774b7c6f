const SECRET_KEY = /(key|token|secret|password|credential)/i;

/**
 * The command line as recorded in a run log: values of `key=value` arguments whose key looks like
 * a secret (api_key, token, ...) are replaced, so a key typed on the command line never lands in a log.
 */
export function redactArgs(argv: readonly string[]): string[] {
  return argv.map((arg) => {
    const eq = arg.indexOf('=');
    if (eq <= 0) return arg;
    const key = arg.slice(0, eq);
    return SECRET_KEY.test(key) ? `${key}=***` : arg;
  });
}
