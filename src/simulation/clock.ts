// The simulation's clock: real time moving on from a start instant, which the driver can move forward when
// only later work is left (retries an hour apart pass in no time).
export class SimClock {
  #offset: number;

  constructor(start: Date) {
    this.#offset = start.getTime() - Date.now();
  }

  now = (): Date => new Date(Date.now() + this.#offset);

  /** Moves the clock to `to` if that is later; never backwards. */
  advanceTo = (to: Date): void => {
    const ahead = to.getTime() - this.now().getTime();
    if (ahead > 0) this.#offset += ahead;
  };
}
