import { Chalk, type ChalkInstance } from 'chalk';

/** Colours for terminal output; a theme without colour when NO_COLOR is set or output is piped. */
export interface Theme {
  readonly color: boolean;
  readonly chalk: ChalkInstance;
  /** Usable width in columns (80 when unknown). */
  readonly width: number;
}

export function createTheme(color: boolean, width?: number): Theme {
  return { color, chalk: new Chalk({ level: color ? 1 : 0 }), width: width && width > 20 ? width : 80 };
}
