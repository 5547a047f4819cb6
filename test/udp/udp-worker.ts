// Worker side of the worker-thread test: opens a SO_REUSEPORT socket in a
// namespace, reports its port, then reports every datagram's first word until
// it is terminated (with a recv pending).
import { parentPort, workerData } from 'node:worker_threads';
import { UdpSocket } from '../../src/udp/index.js';

const { netns, host, port } = workerData as { netns: string; host: string; port: number };
const sock = UdpSocket.open({ host, port, reusePort: true, netns });
parentPort!.postMessage({ type: 'ready', port: sock.port });
for await (const b of sock) {
  for (let i = 0; i < b.count; i++) parentPort!.postMessage({ type: 'datagram', seq: b.datagram(i).readUInt32BE(0) });
}
