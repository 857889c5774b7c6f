import pkg from '../package.json' with { type: 'json' };

export const TAGLIOTS_VERSION: string = pkg.version;
