// Noise IX test vectors from the cacophony suite, as shipped by snow
// (github.com/mcginty/snow tests/vectors/cacophony.txt): an implementation
// independent of this one. They use the prologue "John Galt"; nebula uses none.

/** One cacophony vector: keys, prologue, final handshake hash and the message sequence. */
export interface NoiseVector {
  readonly cipher: 'aes' | 'chachapoly';
  readonly prologue: string;
  readonly initStatic: string;
  readonly initEphemeral: string;
  readonly respStatic: string;
  readonly respEphemeral: string;
  readonly handshakeHash: string;
  /** Message 0 initiator->responder, 1 responder->initiator, then transport messages alternating. */
  readonly messages: readonly { readonly payload: string; readonly ciphertext: string }[];
}

const KEYS = {
  prologue: '4a6f686e2047616c74',
  initStatic: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
  initEphemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
  respStatic: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
  respEphemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
} as const;

const MSG1 = {
  payload: '4c756477696720766f6e204d69736573',
  ciphertext: 'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79446bc3822a2aa7f4e6981d6538692b3cdf3e6df9eea6ed269eb41d93c22757b75a4c756477696720766f6e204d69736573',
} as const;

/** Noise_IX_25519_AESGCM_SHA256 and Noise_IX_25519_ChaChaPoly_SHA256. */
export const IX_VECTORS: readonly NoiseVector[] = [
  {
    cipher: 'aes',
    ...KEYS,
    handshakeHash: 'a59954350219531eec9452c90afca10db17192bbd066a936c89f81490a77ba05',
    messages: [
      MSG1,
      { payload: '4d757272617920526f746862617264', ciphertext: '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381f5e7fd3177b25f05504a881c3d9abb4ceaa6e8ab72f7925bc1ecee7f533d4d83453c68b45114148f3d11c0281c89906e4c23267b3d038eeb789a7ade71edd08ef12236e741eda973e5baba4bc005' },
      { payload: '462e20412e20486179656b', ciphertext: '60faff0c912ae6003ff00295f240b28e8f68f3442e26661701cd7f' },
      { payload: '4361726c204d656e676572', ciphertext: '746cac398c37a680d8ee7836a7826a164383f562bcac347bbde807' },
      { payload: '4a65616e2d426170746973746520536179', ciphertext: '4b5e9102aea574262f84bcb6bb32ff74447d843d389811990b5a55bd450708f2fc' },
      { payload: '457567656e2042f6686d20766f6e2042617765726b', ciphertext: 'c70aa2cb23b02335b30b44e46da0c9ec2569bfaf389431a92566c794787ce9c7702d7f7bdb' },
    ],
  },
  {
    cipher: 'chachapoly',
    ...KEYS,
    handshakeHash: 'c95696b7e335ad2ef3b5a35cb407b40c6376ee4f39c4619ffa37929b6dd8026d',
    messages: [
      MSG1,
      { payload: '4d757272617920526f746862617264', ciphertext: '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843db451ba0cc81ba55f01e5aeb04e3748f337344ed2a494219a3fae8ef756f95054f06f10bbe3e8a27bdf263fc314e16c300bf822646c34d35641d9635ea993c4694966ab721281c5093bc5d3831bf0a' },
      { payload: '462e20412e20486179656b', ciphertext: '90a3ae2a6f1c0f3c2b7a81c5ddfb3a068376a18b9267745459497b' },
      { payload: '4361726c204d656e676572', ciphertext: 'a54a54e469da6914ec8edeb1f2c1fc7434ab6a4834a0736b34fd9e' },
      { payload: '4a65616e2d426170746973746520536179', ciphertext: '8c4238fcd84fb9bb2be8cd2e3de1bb0098ad04b67c5b2f51275db91aa3641eca38' },
      { payload: '457567656e2042f6686d20766f6e2042617765726b', ciphertext: '39a819a8befe3e151ccb045ad6adb3590f3326936e8402e1e896435b3d543fe4cd423af3b7' },
    ],
  },
];
