// Who is on the other end of a tunnel, as far as the firewall cares. Deliberately small and
// independent of the certificate module: the tunnel fills it from the verified peer certificate.
import { netContains, type Ipv4Net } from './ipv4.js';

/** Overlay addresses a node owns: its certificate IPs and the subnets it may originate (docs/PROTOCOL.md "Inner packets and address checks", "Certificate encoding"). */
export interface AddressSet {
  /** Certificate IPs as u32 addresses; each matches as a /32 (nebula firewall.go localIps / remoteCidr). */
  readonly ips: readonly number[];
  /** Certificate `subnets` (unsafe routes), matched with their masks. */
  readonly subnets: readonly Ipv4Net[];
}

/** The verified identity of a peer, from its certificate. */
export interface PeerIdentity extends AddressSet {
  /** Certificate Name (rule field `host`). */
  readonly name: string;
  /** Certificate Groups (rule fields `group`, `groups`). */
  readonly groups: readonly string[];
  /** Name of the CA that signed the certificate (rule field `ca_name`). */
  readonly caName: string;
  /** Lower-case hex SHA-256 fingerprint of that CA, i.e. the cert's Issuer (rule field `ca_sha`). */
  readonly caSha: string;
}

/** Whether `addr` is one of the set's IPs or inside one of its subnets. */
export function addressSetContains(set: AddressSet, addr: number): boolean {
  const ips = set.ips;
  for (let i = 0; i < ips.length; i++) if (ips[i] === addr) return true;
  const subnets = set.subnets;
  for (let i = 0; i < subnets.length; i++) if (netContains(subnets[i] as Ipv4Net, addr)) return true;
  return false;
}
