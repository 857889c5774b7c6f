/**
 * An exactly rounded floating-point sum (Shewchuk's algorithm, as Python's math.fsum): the result
 * does not depend on the order the values are added in, so totals read from logs written in
 * different completion orders are identical to the last bit.
 */
export interface ExactSum {
  add(value: number): void;
  value(): number;
}

export function createExactSum(): ExactSum {
  const partials: number[] = [];
  return {
    add(value) {
      let x = value;
      let i = 0;
      for (let j = 0; j < partials.length; j++) {
        let y = partials[j]!;
        if (Math.abs(x) < Math.abs(y)) {
          const t = x;
          x = y;
          y = t;
        }
        const hi = x + y;
        const lo = y - (hi - x);
        if (lo !== 0) partials[i++] = lo;
        x = hi;
      }
      partials.length = i;
      partials.push(x);
    },
    value() {
      let n = partials.length;
      if (n === 0) return 0;
      let hi = partials[--n]!;
      let lo = 0;
      while (n > 0) {
        const x = hi;
        const y = partials[--n]!;
        hi = x + y;
        lo = y - (hi - x);
        if (lo !== 0) break;
      }
      // Round half to even across the remaining partials, as fsum does.
      if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
        const y = lo * 2;
        const x = hi + y;
        if (y === x - hi) hi = x;
      }
      return hi;
    },
  };
}
