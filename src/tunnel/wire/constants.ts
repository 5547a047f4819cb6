// Numbers of the Nebula 1.6.1 wire format (docs/PROTOCOL.md "Numbers at a glance", "Header", "Message types", "Counters").
// Values are fixed by the protocol: changing any of them breaks interop.

/** Header length in bytes (docs/PROTOCOL.md "Header"). */
export const HEADER_LEN = 16;
/** Protocol version carried in the high nibble of byte 0; not validated on receive (docs/PROTOCOL.md "Header"). */
export const HEADER_VERSION = 1;

/** Message type: Noise IX handshake (docs/PROTOCOL.md "Message types"). */
export const TYPE_HANDSHAKE = 0;
/** Message type: tunnelled IP packet or relay (docs/PROTOCOL.md "Message types"). */
export const TYPE_MESSAGE = 1;
/** Message type: unencrypted "no such tunnel / replayed" notice (docs/PROTOCOL.md "recv_error"). */
export const TYPE_RECV_ERROR = 2;
/** Message type: lighthouse protocol, a NebulaMeta inside a tunnel (docs/PROTOCOL.md "Lighthouse messages"). */
export const TYPE_LIGHTHOUSE = 3;
/** Message type: liveness test request/reply (docs/PROTOCOL.md "Test messages and liveness"). */
export const TYPE_TEST = 4;
/** Message type: tunnel teardown (docs/PROTOCOL.md "close_tunnel"). */
export const TYPE_CLOSE_TUNNEL = 5;
/** Message type: relay control, a NebulaControl inside a tunnel (docs/PROTOCOL.md "Relays"). */
export const TYPE_CONTROL = 6;

/** Handshake subtype: IX (named ix_psk0, though no PSK is mixed) (docs/PROTOCOL.md "Message types"). */
export const SUBTYPE_HANDSHAKE_IX_PSK0 = 0;
/** Handshake subtype: XX, defined by nebula but never handled (docs/PROTOCOL.md "Message types"). */
export const SUBTYPE_HANDSHAKE_XX_PSK0 = 1;
/** Message subtype: a tunnelled IP packet (docs/PROTOCOL.md "Message types"). */
export const SUBTYPE_MESSAGE_NONE = 0;
/** Message subtype: a relayed packet, authenticated only (docs/PROTOCOL.md "Message types"). */
export const SUBTYPE_MESSAGE_RELAY = 1;
/** Test subtype: request (docs/PROTOCOL.md "Test messages and liveness"). */
export const SUBTYPE_TEST_REQUEST = 0;
/** Test subtype: reply (docs/PROTOCOL.md "Test messages and liveness"). */
export const SUBTYPE_TEST_REPLY = 1;
/** The only subtype of recvError, lightHouse, closeTunnel and control (docs/PROTOCOL.md "Message types"). */
export const SUBTYPE_NONE = 0;

/** AEAD tag length of both ciphers (docs/PROTOCOL.md "Numbers at a glance"). */
export const AEAD_TAG_LEN = 16;
/** Bytes an encrypted packet adds to its plaintext: header + tag (docs/PROTOCOL.md "Numbers at a glance"). */
export const AEAD_OVERHEAD = HEADER_LEN + AEAD_TAG_LEN;

/** Header counter of handshake message 1 (docs/PROTOCOL.md "Handshake message 1"). */
export const COUNTER_HANDSHAKE_MSG1 = 1;
/** Header counter of handshake message 2 (docs/PROTOCOL.md "Handshake message 2"). */
export const COUNTER_HANDSHAKE_MSG2 = 2;
/** Counter of the first post-handshake packet in each direction (docs/PROTOCOL.md "Counters"). */
export const COUNTER_FIRST_DATA = 3;

/** Replay window size in counters (docs/PROTOCOL.md "Replay window", nebula ReplayWindow). */
export const REPLAY_WINDOW = 1024;

/** recv_error packets for one tunnel after which nebula tears it down (docs/PROTOCOL.md "recv_error"). */
export const RECV_ERROR_TEARDOWN_COUNT = 4;
/** Largest request payload nebula 1.6.1 survives; 17+ bytes crash it (docs/PROTOCOL.md "Test messages and liveness"). */
export const TEST_PAYLOAD_MAX_SAFE = 16;
/** Receive buffer nebula uses per UDP datagram, the largest datagram it accepts (docs/PROTOCOL.md "Numbers at a glance"). */
export const UDP_MAX_DATAGRAM = 9001;
/** Length of a punchy keepalive datagram (a single 0x01 byte), silently ignored (docs/PROTOCOL.md "Lighthouse, relay and punch traffic"). */
export const PUNCH_PACKET_LEN = 1;
