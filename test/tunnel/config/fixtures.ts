// Config texts for the loader tests.

/** A complete, realistic config in the shape of the nebula 1.6.1 example and docs/PROTOCOL.md "Checking a fact by hand". */
export const FULL = `
pki:
  ca: /etc/nebula/ca.crt
  cert: /etc/nebula/host.crt
  key: |
    -----BEGIN NEBULA X25519 PRIVATE KEY-----
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
    -----END NEBULA X25519 PRIVATE KEY-----
  blocklist:
    - C99D4E650533B92061B09918E838A5A0A6AAEE21EED1D12FD937682865936C72
  disconnect_invalid: true

static_host_map:
  "198.19.0.1": ["198.18.0.1:4242", "198.18.1.1:4243"]
  "198.19.0.3": "198.18.0.3:4242"
  "198.19.0.4": ["[fd00::4]:4242"]

lighthouse:
  am_lighthouse: false
  interval: 60
  hosts: []

listen:
  host: 0.0.0.0
  port: 4242
  batch: 32
  read_buffer: 10485760
  write_buffer: 10485760
  send_recv_error: private

punchy:
  punch: true
  respond: true
  delay: 2s

cipher: chachapoly

routines: 2

tun:
  disabled: false
  dev: nebula1
  drop_local_broadcast: false
  drop_multicast: false
  tx_queue: 1000
  mtu: 1400
  routes:
    - mtu: 8800
      route: 198.19.2.0/24
  unsafe_routes:
    - route: 172.16.1.0/24
      via: 198.19.0.1
      mtu: 1300
      metric: 100
    - route: 172.16.2.0/24
      via: 198.19.0.3

handshakes:
  try_interval: 200ms
  retries: 20
  trigger_buffer: 32

timers:
  connection_alive_interval: 7
  pending_deletion_interval: 14

logging:
  level: DEBUG
  format: json

relay:
  am_relay: false
  use_relays: false

firewall:
  conntrack:
    tcp_timeout: 12m
    udp_timeout: 3m
    default_timeout: 1h30m

  outbound:
    - port: any
      proto: any
      host: any

  inbound:
    - port: any
      proto: icmp
      host: any
    - port: 443
      proto: tcp
      groups:
        - laptop
        - home
    - port: 8000-8100
      proto: udp
      group: servers
      ca_name: t-ca
    - port: fragment
      proto: any
      cidr: 198.19.0.0/16
    - code: any
      proto: icmp
      ca_sha: ABCDEF

tio:
  offload: off
  gro: false
  hand_off: false
  write_strategy: copy
  status_interval: 5s
`;

/** The smallest loadable config: only the credentials are required. */
export const MINIMAL = `
pki:
  ca: ca.crt
  cert: host.crt
  key: host.key
`;
