// The soak's load: one TCP connection through the tunnel, sink in b on the
// overlay address, source in a, both the kit's TCP endpoint.
import type { EndpointChild } from '../../kit/endpoint.js';
import { startTcpSink, startTcpSource, type TcpReport } from '../../kit/tcp.js';
import type { SoakOptions } from './soak-options.js';
import { SOAK_SINK_HOST, type SoakRig } from './soak-setup.js';

/** TCP port of the sink. */
const PORT = 5900;
/** How often the sink reports bytes received: the sampler's resolution. */
const PROGRESS_MS = 250;

/** A running transfer. */
export interface SoakLoad {
  sink: EndpointChild<TcpReport>;
  source: EndpointChild<TcpReport>;
  /** The sink's report once it has one. */
  sinkDone: TcpReport | null;
  /** The source's report once it has one. */
  sourceDone: TcpReport | null;
  /** Kills whichever end is still running. */
  kill(): void;
}

/** Starts the sink and waits for it to listen; `beforeSource` runs just before the source starts (the baseline sample). */
export async function startSoakLoad(rig: SoakRig, o: SoakOptions, beforeSource: () => void): Promise<SoakLoad> {
  // The soak bounds itself (--max-seconds, --stall), so the ends get no timeout of their own.
  const sink = await startTcpSink(rig.b, SOAK_SINK_HOST, PORT, { hash: o.verify, progressMs: PROGRESS_MS });
  beforeSource();
  const source = startTcpSource(rig.a, SOAK_SINK_HOST, PORT, o.bytes, { hash: o.verify, stamped: true });
  const load: SoakLoad = {
    sink,
    source,
    sinkDone: null,
    sourceDone: null,
    kill() {
      for (const c of [sink.child, source.child]) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    },
  };
  sink.done.then((r) => (load.sinkDone = r), () => undefined);
  source.done.then((r) => (load.sourceDone = r), () => undefined);
  return load;
}
