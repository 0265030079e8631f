/**
 * Source (address, port) pairs picked by the load generator itself. Letting the kernel choose
 * (bind to port 0 on a given address) scans the port range on every connect: measured here, it fell to
 * ~100 connections/s past ~60K open sockets. Picking the pair is O(1); each worker owns a disjoint slice.
 */
export const SOURCE_PORT_LOW = 20_000
export const SOURCE_PORT_HIGH = 60_999

export class SourcePorts {
  private cursor = 0
  private readonly portsPerAddress: number

  constructor(
    private readonly addresses: readonly string[],
    private readonly worker: number,
    private readonly workers: number,
  ) {
    this.portsPerAddress = Math.floor((SOURCE_PORT_HIGH - SOURCE_PORT_LOW + 1) / workers)
  }

  /** The next pair; wraps around, so a port freed by a closed connection is reused much later. */
  next(): { localAddress: string; localPort: number } {
    const index = this.cursor++ % (this.addresses.length * this.portsPerAddress)
    const localAddress = this.addresses[index % this.addresses.length]!
    const slot = Math.floor(index / this.addresses.length)
    return { localAddress, localPort: SOURCE_PORT_LOW + slot * this.workers + this.worker }
  }
}
