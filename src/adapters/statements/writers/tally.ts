// A running count and sum of amounts: what a bill's footer or summary row states for one kind of its rows.
import { Decimal } from 'decimal.js';

export class Tally {
  count = 0;
  sum = new Decimal(0);

  add(amount: Decimal.Value): void {
    this.count++;
    this.sum = this.sum.plus(amount);
  }
}
