/* ec: implementation (P-256 and P-384: limbs, Montgomery field and scalar
 * arithmetic, curve constants; the points, ECDSA and ECDH follow in ecdsa) */
#include "base.h"
#include "sha256.h"
#include "ec.h"

#include <string.h>

/* ---- limbs ------------------------------------------------------------------
 * Both limb sizes give the same Montgomery radix R (2^256 or 2^384: the
 * whole limb array), so the constants below are the same numbers either way;
 * FMCP__EC_W writes one 64-bit word as one or two limbs. */
#if defined(__SIZEOF_INT128__) && !defined(FASTMCP_NO_INT128)
__extension__ typedef unsigned __int128 fmcp__ec_dlimb;   /* __extension__: -Wpedantic */
typedef uint64_t fmcp__ec_limb;
#define FMCP__EC_LB 64
#define FMCP__EC_W(x) (uint64_t)(x)
#define FMCP__EC_W0(x) (uint64_t)(x)
#else
typedef uint64_t fmcp__ec_dlimb;
typedef uint32_t fmcp__ec_limb;
#define FMCP__EC_LB 32
#define FMCP__EC_W(x) (uint32_t)((uint64_t)(x) & 0xffffffffu), (uint32_t)((uint64_t)(x) >> 32)
#define FMCP__EC_W0(x) (uint32_t)((uint64_t)(x) & 0xffffffffu)
#endif
#define FMCP__EC_L (384 / FMCP__EC_LB)          /* limbs of the larger field */
#define FMCP__EC_N256 (256 / FMCP__EC_LB)
#define FMCP__EC_N384 (384 / FMCP__EC_LB)

/* A field element or scalar: only the first n limbs (fmcp__ec_mod.n) count. */
typedef fmcp__ec_limb fmcp__ec_fe[FMCP__EC_L];

/* A modulus with its Montgomery constants. */
typedef struct fmcp__ec_mod {
    int n;                           /* limbs in use */
    fmcp__ec_fe m, r2, one;          /* m, R^2 mod m, R mod m */
    fmcp__ec_limb m0;                /* -m^-1 mod 2^FMCP__EC_LB */
} fmcp__ec_mod;

typedef struct fmcp__ec_def {
    fmcp__ec_mod p, n;
    fmcp__ec_fe b;                   /* curve constant, Montgomery form mod p */
    size_t bytes;
    const fmcp__ec_limb *gtab;       /* FMCP__EC_GTAB odd multiples of G: x, y (n limbs each) */
    const fmcp__ec_limb *comb;       /* FMCP__EC_COMB_N comb entries: x, y (n limbs each) */
    int comb_d;                      /* comb spacing: ceil(bits / FMCP__EC_COMB_T) */
} fmcp__ec_def;

/* Signing and key generation multiply G by a secret with a comb of
 * FMCP__EC_COMB_T teeth over this fixed table (constant-time lookups). */
#define FMCP__EC_COMB_T 6
#define FMCP__EC_COMB_N ((1 << FMCP__EC_COMB_T) - 1)

/* P-256 comb: entry j - 1 is the sum of 2^(43 b) G over the bits b of j
 * (j = 1..63), affine, Montgomery form (generated) */
static const fmcp__ec_limb fmcp__ec_p256_comb[63][2][FMCP__EC_N256] = {
    { { FMCP__EC_W(0x79e730d418a9143c), FMCP__EC_W(0x75ba95fc5fedb601), FMCP__EC_W(0x79fb732b77622510),
        FMCP__EC_W(0x18905f76a53755c6) },
      { FMCP__EC_W(0xddf25357ce95560a), FMCP__EC_W(0x8b4ab8e4ba19e45c), FMCP__EC_W(0xd2e88688dd21f325),
        FMCP__EC_W(0x8571ff1825885d85) } },
    { { FMCP__EC_W(0x8910507903605c39), FMCP__EC_W(0xf0843d9ea142c96c), FMCP__EC_W(0xf374493416923684),
        FMCP__EC_W(0x732caa2ffa0a2893) },
      { FMCP__EC_W(0xb2e8c27061160170), FMCP__EC_W(0xc32788cc437fbaa3), FMCP__EC_W(0x39cd818ea6eda3ac),
        FMCP__EC_W(0xe2e942399e2b2e07) } },
    { { FMCP__EC_W(0xb9c0d276abc3e190), FMCP__EC_W(0x610e3d4dcb55b9ca), FMCP__EC_W(0xd16dbd025720f50a),
        FMCP__EC_W(0xd0ed73dca607de84) },
      { FMCP__EC_W(0x3bbde5bf49219fb5), FMCP__EC_W(0x698e12c057771843), FMCP__EC_W(0xdb606a9763470a5e),
        FMCP__EC_W(0x61c71975853635d5) } },
    { { FMCP__EC_W(0xeb5ddcb6ec7fae9f), FMCP__EC_W(0x995f2714efb66e5a), FMCP__EC_W(0xdee95d8e69445d52),
        FMCP__EC_W(0x1b6c2d4609e27620) },
      { FMCP__EC_W(0x32621c318129d716), FMCP__EC_W(0xb03909f10958c1aa), FMCP__EC_W(0x8c468ef91af4af63),
        FMCP__EC_W(0x162c429ffba5cdf6) } },
    { { FMCP__EC_W(0x4615d912c1d85f12), FMCP__EC_W(0x1f0880b0e1f4e302), FMCP__EC_W(0x336bcc896f1fca13),
        FMCP__EC_W(0xda59ad0dc70dedbc) },
      { FMCP__EC_W(0x3897efaeb0f62ece), FMCP__EC_W(0xbaed81cdf4990cfd), FMCP__EC_W(0xa3b1c2f260321bbb),
        FMCP__EC_W(0x2aefd95addc84f79) } },
    { { FMCP__EC_W(0x2d427e3cee9e92e6), FMCP__EC_W(0x43d40da0437fe629), FMCP__EC_W(0x0006e4e06ab72b31),
        FMCP__EC_W(0x21ccfbb46f5c8e02) },
      { FMCP__EC_W(0x53a2f1a753e821ec), FMCP__EC_W(0x5d72d201e209d591), FMCP__EC_W(0xfd84a26445e8ad41),
        FMCP__EC_W(0x86ee0e684059cc6e) } },
    { { FMCP__EC_W(0x3d8242d09248fce2), FMCP__EC_W(0x32d4bf827f49f33d), FMCP__EC_W(0x78807beb29d41fd1),
        FMCP__EC_W(0xfce48b99f8f562cb) },
      { FMCP__EC_W(0x72a7d4849f38f097), FMCP__EC_W(0x1b482c10a37059ad), FMCP__EC_W(0xc1aa8284472e5ed3),
        FMCP__EC_W(0xc5d6f3bbef23e9c9) } },
    { { FMCP__EC_W(0x23f949feb8a24a20), FMCP__EC_W(0x17ebfed1f52ca53f), FMCP__EC_W(0x9b691bbebcfb4853),
        FMCP__EC_W(0x5617ff6b6278a05d) },
      { FMCP__EC_W(0x241b34c5e3c99ebd), FMCP__EC_W(0xfc64242e1784156a), FMCP__EC_W(0x4206482f695d67df),
        FMCP__EC_W(0xb967ce0eee27c011) } },
    { { FMCP__EC_W(0x569aacdf9fc3df19), FMCP__EC_W(0x0c6782c7c34c6fb2), FMCP__EC_W(0xbb5f98b2c4ec873d),
        FMCP__EC_W(0x5578433b9fe9e475) },
      { FMCP__EC_W(0xfa14f3869ca84821), FMCP__EC_W(0xb8ef658d39589501), FMCP__EC_W(0x4022c48e07127b8e),
        FMCP__EC_W(0xcbc4dfe35402ea12) } },
    { { FMCP__EC_W(0x092ef96a2ad408a3), FMCP__EC_W(0xf1e1a4c4cfbc45a3), FMCP__EC_W(0x966b2676efeecdee),
        FMCP__EC_W(0xa0e2c6713a6216c5) },
      { FMCP__EC_W(0xcd6e22a292c4bf61), FMCP__EC_W(0x56d99a11d830dfc7), FMCP__EC_W(0xb8c612bd259de547),
        FMCP__EC_W(0x3d8e9a72e91f8ff7) } },
    { { FMCP__EC_W(0x0b885e962352b4ff), FMCP__EC_W(0x6be320d2a6545766), FMCP__EC_W(0xbd22a444b9a59e72),
        FMCP__EC_W(0x2f2d32d6ccc55d7d) },
      { FMCP__EC_W(0xd86e4c4cddcec70b), FMCP__EC_W(0x19cdb0e97a25c934), FMCP__EC_W(0x542ade069ca97e28),
        FMCP__EC_W(0x58c5927c746517f7) } },
    { { FMCP__EC_W(0x24abb0f08d087091), FMCP__EC_W(0x6aa2c2ef51add8de), FMCP__EC_W(0xc3e1cb4ccc2a2134),
        FMCP__EC_W(0x3563112895589212) },
      { FMCP__EC_W(0x3bf17d2a7984344b), FMCP__EC_W(0xbcb6f7b2f8a142cc), FMCP__EC_W(0xd6057d8a08ec9266),
        FMCP__EC_W(0x75c150d22852405a) } },
    { { FMCP__EC_W(0xa8f88eb5a9fee73e), FMCP__EC_W(0x72a84174576ea39b), FMCP__EC_W(0x671fa0ade2692e7d),
        FMCP__EC_W(0x2556288596769f9e) },
      { FMCP__EC_W(0x254323bce850a6b0), FMCP__EC_W(0x74b61c18fff6c89a), FMCP__EC_W(0x2e7c563fcfae2690),
        FMCP__EC_W(0x2cf454b7164afb0f) } },
    { { FMCP__EC_W(0xe312a5618f10f423), FMCP__EC_W(0x59a1f1fff2b85df4), FMCP__EC_W(0x56c5991941c48122),
        FMCP__EC_W(0x74953c1eae3d175f) },
      { FMCP__EC_W(0x4d767fc78859244c), FMCP__EC_W(0xc486bc00719a4cc1), FMCP__EC_W(0xdd282985df1c1787),
        FMCP__EC_W(0x1143301aae93c719) } },
    { { FMCP__EC_W(0x7201a1d61fab7d71), FMCP__EC_W(0x65931f5432cbbee8), FMCP__EC_W(0x202955d3dcb387ee),
        FMCP__EC_W(0xa5045ba5c4678432) },
      { FMCP__EC_W(0xcfb5ee87dca85ff6), FMCP__EC_W(0xdd25a7c6dfec0f67), FMCP__EC_W(0xfee47169356a87c6),
        FMCP__EC_W(0x20a8f159c3d7ece9) } },
    { { FMCP__EC_W(0xe4ac8b33070d3aab), FMCP__EC_W(0x2643672b9a2cd5e5), FMCP__EC_W(0x52eff79b1cfc9173),
        FMCP__EC_W(0x665ca49b90a7c13f) },
      { FMCP__EC_W(0x5a8dda59b3efb998), FMCP__EC_W(0x8a5b922d052f1341), FMCP__EC_W(0xae9ebbab3cf9a530),
        FMCP__EC_W(0x35986e7bf56da4d7) } },
    { { FMCP__EC_W(0x21e07f9abc0a70c0), FMCP__EC_W(0xecfdb3a2989a0182), FMCP__EC_W(0x360682c0e40e8125),
        FMCP__EC_W(0x73a637952f837f32) },
      { FMCP__EC_W(0xf4eb8cef9c0d326b), FMCP__EC_W(0xefb97fecebf4c7a5), FMCP__EC_W(0xf9352123af3d5d7e),
        FMCP__EC_W(0xb71ef4ef34e22ab1) } },
    { { FMCP__EC_W(0xd6bd0d810d488032), FMCP__EC_W(0x1676df9971f0b92e), FMCP__EC_W(0xa7acdcfcb6d215ac),
        FMCP__EC_W(0x82461a26cd0ff939) },
      { FMCP__EC_W(0x827189c0b635d2e5), FMCP__EC_W(0x18f3b6dda92f1622), FMCP__EC_W(0x10d738aa05cef325),
        FMCP__EC_W(0x12c2a13f39bb0aa6) } },
    { { FMCP__EC_W(0x5f94d8deb50b4e82), FMCP__EC_W(0xbcd9144e34bd93e9), FMCP__EC_W(0x61c3392107c08623),
        FMCP__EC_W(0xedec947e7e3de8ee) },
      { FMCP__EC_W(0x9d2da51d2f21b202), FMCP__EC_W(0xc0c885cd96692a89), FMCP__EC_W(0x4a613462a5e7309c),
        FMCP__EC_W(0x227788550f28dee6) } },
    { { FMCP__EC_W(0x1ff0bd527695447a), FMCP__EC_W(0x63534a4a42ae2627), FMCP__EC_W(0xd96af0dad0cc09f2),
        FMCP__EC_W(0xb59ea545412d3e1a) },
      { FMCP__EC_W(0xd10518cf6a759072), FMCP__EC_W(0xffeec37c10475dfd), FMCP__EC_W(0xacbc29ccb25089c4),
        FMCP__EC_W(0xbf3dfc8521b6d4ee) } },
    { { FMCP__EC_W(0x8f2eacfe49388995), FMCP__EC_W(0x000fc8d4841be9ed), FMCP__EC_W(0x2ed8085a6955c290),
        FMCP__EC_W(0x1929cf606d8e176f) },
      { FMCP__EC_W(0x2efd26a5fd1a09db), FMCP__EC_W(0x58d767ad6cb626cd), FMCP__EC_W(0x13a81b95b26c6e05),
        FMCP__EC_W(0x68fe61078f61832b) } },
    { { FMCP__EC_W(0x4ad7de2e2d85c2f6), FMCP__EC_W(0xcd552fcb510101a1), FMCP__EC_W(0x638d122b02acdabf),
        FMCP__EC_W(0x117221e850bfd921) },
      { FMCP__EC_W(0x08571ee199a99129), FMCP__EC_W(0xebd046d1ba2f03a9), FMCP__EC_W(0x035ed7baa6f8a181),
        FMCP__EC_W(0x8aabf98d3187c6f3) } },
    { { FMCP__EC_W(0xaf8e65cae3ab5f4e), FMCP__EC_W(0x8b0b8b897561a69c), FMCP__EC_W(0x37e83aa0b17c1e66),
        FMCP__EC_W(0xe894d84cf8d80edc) },
      { FMCP__EC_W(0xf1e465e7ce514e22), FMCP__EC_W(0xc7fa324ca72340ef), FMCP__EC_W(0x08297fcae7370673),
        FMCP__EC_W(0x4f799682b119ae5e) } },
    { { FMCP__EC_W(0x014d6bd8f180f206), FMCP__EC_W(0x56640c8b7ab44f55), FMCP__EC_W(0x9a39660d93f9a5b8),
        FMCP__EC_W(0xcac069e9959b68f1) },
      { FMCP__EC_W(0x2bf6b65e208d9918), FMCP__EC_W(0xb7e45dfb3f943291), FMCP__EC_W(0xad5770f0d439c712),
        FMCP__EC_W(0xfec635e17654d805) } },
    { { FMCP__EC_W(0x37221cd13f031a88), FMCP__EC_W(0xe4d53d2f0b5558d4), FMCP__EC_W(0x2ede8e8fdafc51cd),
        FMCP__EC_W(0xb587284ca8a883ea) },
      { FMCP__EC_W(0xfa37674044fa5251), FMCP__EC_W(0x5e5e18f95c5e3528), FMCP__EC_W(0x8af51fac6e10b958),
        FMCP__EC_W(0x09be79032c429b30) } },
    { { FMCP__EC_W(0x7a468ba47f29936d), FMCP__EC_W(0xacbbe3657cfb8176), FMCP__EC_W(0xe892c10a4db9cd5d),
        FMCP__EC_W(0xcb2f29d7a1aade8b) },
      { FMCP__EC_W(0x3087eef4efffcb14), FMCP__EC_W(0x92a7f3ec2afe8f2e), FMCP__EC_W(0x199d89b8136f29d2),
        FMCP__EC_W(0x3131604eb4836623) } },
    { { FMCP__EC_W(0xf5cca5da31b5df76), FMCP__EC_W(0x9431318676a4abc0), FMCP__EC_W(0x5db8e6f71877c7c7),
        FMCP__EC_W(0x3ce3f5f96031ac99) },
      { FMCP__EC_W(0x585961d07e7cef80), FMCP__EC_W(0x5ed6e841d424f16a), FMCP__EC_W(0x18289cd056b16a49),
        FMCP__EC_W(0x8008d03b2e5770fa) } },
    { { FMCP__EC_W(0xc8c2af64254e39de), FMCP__EC_W(0x783cea738582571c), FMCP__EC_W(0x2f2f55f1a6edd971),
        FMCP__EC_W(0x7e00cc92c86bf30a) },
      { FMCP__EC_W(0xa0db735447d7491f), FMCP__EC_W(0xb3eb751ca5b12260), FMCP__EC_W(0x3bc39a23297fb234),
        FMCP__EC_W(0xd1330c20b8b4bfe4) } },
    { { FMCP__EC_W(0xfb776af07824d53a), FMCP__EC_W(0x04709096422dea35), FMCP__EC_W(0x6f480b6b5fec3ac7),
        FMCP__EC_W(0xdb2b1b62e27edda4) },
      { FMCP__EC_W(0x0bba904cda78b494), FMCP__EC_W(0x37ef59b691a147f7), FMCP__EC_W(0xf880517726a4730a),
        FMCP__EC_W(0xecc9d79aa8ab368e) } },
    { { FMCP__EC_W(0x628e05c185a4bd0e), FMCP__EC_W(0xebf7b67800e244e8), FMCP__EC_W(0xf645947b8b176eeb),
        FMCP__EC_W(0xc92bf8301641ab35) },
      { FMCP__EC_W(0x7a039c1a21be7a6f), FMCP__EC_W(0x11e4354d2fd4bd92), FMCP__EC_W(0x42552422886fd224),
        FMCP__EC_W(0xdbf3194cc44ced37) } },
    { { FMCP__EC_W(0x832da983c56f6b04), FMCP__EC_W(0x7aaa84eb8ef098ae), FMCP__EC_W(0x602e3eefa6a616a2),
        FMCP__EC_W(0xc2824ddcb7b717a3) },
      { FMCP__EC_W(0x19f50324ddb0a2e9), FMCP__EC_W(0x04553a285bedfbbd), FMCP__EC_W(0x37ea8b12aa1aee0a),
        FMCP__EC_W(0xc1844e79945959a1) } },
    { { FMCP__EC_W(0x5043dea7e0f222c2), FMCP__EC_W(0x309d42ac72e65142), FMCP__EC_W(0x94fe9ddd9216cd30),
        FMCP__EC_W(0xd6539c7d0f87feec) },
      { FMCP__EC_W(0x03c5a57c432ac7d7), FMCP__EC_W(0x72692cf0327fda10), FMCP__EC_W(0xec28c85f280698de),
        FMCP__EC_W(0x2331fb467ec283b1) } },
    { { FMCP__EC_W(0x651cfdeb43248e67), FMCP__EC_W(0x2c3d72ceee561de8), FMCP__EC_W(0xa48b8f33443dac8b),
        FMCP__EC_W(0xe6b042fe7991f986) },
      { FMCP__EC_W(0xd091636de810bcd2), FMCP__EC_W(0xfc1e96aea97416d7), FMCP__EC_W(0x2b6087cb2892694d),
        FMCP__EC_W(0x0f8ac2459985a628) } },
    { { FMCP__EC_W(0x54e908747f2326a2), FMCP__EC_W(0xce43dd44fa9e1131), FMCP__EC_W(0x4b2c740cd3d2d948),
        FMCP__EC_W(0x9b0b126aa86e8b07) },
      { FMCP__EC_W(0x228ef320b77f5af2), FMCP__EC_W(0x14fc8a01ca07661c), FMCP__EC_W(0x1d72509ed34f1a3a),
        FMCP__EC_W(0xd169031729d9086e) } },
    { { FMCP__EC_W(0x13e44acc03c5fe33), FMCP__EC_W(0x13f4374e0105bbc6), FMCP__EC_W(0x0cba5018cb4451b8),
        FMCP__EC_W(0xa1a38e4afa29a4e1) },
      { FMCP__EC_W(0x063fb9a8f4403917), FMCP__EC_W(0x7afe108f996ea7f2), FMCP__EC_W(0xec252363f93a1f87),
        FMCP__EC_W(0xc029c8117e432609) } },
    { { FMCP__EC_W(0x25080c29486e548e), FMCP__EC_W(0xdaa411327868ab32), FMCP__EC_W(0x46891511d61d1a3a),
        FMCP__EC_W(0xc87f3f533efc8fac) },
      { FMCP__EC_W(0x984f613ff3e31393), FMCP__EC_W(0x10bb15f67648f5d2), FMCP__EC_W(0xe4990f2bdefaa440),
        FMCP__EC_W(0xce647f03dd51c31d) } },
    { { FMCP__EC_W(0x3161ebdd9c2c0abf), FMCP__EC_W(0x48b7ee7bf497cf35), FMCP__EC_W(0x9233e31d94dd9c97),
        FMCP__EC_W(0x4aef9a62c5d2988f) },
      { FMCP__EC_W(0x89a54161a03e6456), FMCP__EC_W(0x9d25e003c1f02b47), FMCP__EC_W(0x8784cdbfc1857782),
        FMCP__EC_W(0x7928cafd0222b49c) } },
    { { FMCP__EC_W(0x5a591abdecf4ea23), FMCP__EC_W(0xb2725e8a80bd9b8a), FMCP__EC_W(0xf569679f29ff348b),
        FMCP__EC_W(0xa28163d36f22536a) },
      { FMCP__EC_W(0x89e7a8f621c43971), FMCP__EC_W(0x60cbe4a1c4a09567), FMCP__EC_W(0x41046c8f5928b03d),
        FMCP__EC_W(0x646feda7ef74a95a) } },
    { { FMCP__EC_W(0x3aef6bc05d75d310), FMCP__EC_W(0xf3e7f03c82476e5c), FMCP__EC_W(0x9dcf3d508419b8a0),
        FMCP__EC_W(0x221a3885eaf07f07) },
      { FMCP__EC_W(0x16d533f337bdcb7d), FMCP__EC_W(0xd778066bbb49550d), FMCP__EC_W(0xf6f4540936c2600c),
        FMCP__EC_W(0x7544396fc1c61709) } },
    { { FMCP__EC_W(0xf79f556fde08cd42), FMCP__EC_W(0x7d0aba1ee13cadc8), FMCP__EC_W(0x841d9df6d4d81fef),
        FMCP__EC_W(0x8f7ae1f2602d2043) },
      { FMCP__EC_W(0x950c4de4b57ee181), FMCP__EC_W(0xfe51e045c55cf490), FMCP__EC_W(0xdb60b56a1efdd0a8),
        FMCP__EC_W(0x276bccb3bf0fa497) } },
    { { FMCP__EC_W(0x7926625b19e5a603), FMCP__EC_W(0xf1b98e93e1bf712b), FMCP__EC_W(0x933ecb52e33abecc),
        FMCP__EC_W(0x9ebfc506f826619b) },
      { FMCP__EC_W(0xd2965f67a1692c52), FMCP__EC_W(0x8ac4012dfc4f9564), FMCP__EC_W(0xa8af57036739f003),
        FMCP__EC_W(0x7dd2282dbc715e13) } },
    { { FMCP__EC_W(0x3ec01587cf2bb490), FMCP__EC_W(0x5346082c3f1ea428), FMCP__EC_W(0xf2c679e26739e506),
        FMCP__EC_W(0xeab710d6930c28e4) },
      { FMCP__EC_W(0xe9947ff8e043249a), FMCP__EC_W(0x63640678ad54b0e6), FMCP__EC_W(0x8cde42591854eaaf),
        FMCP__EC_W(0xf1feeaec6b25bdce) } },
    { { FMCP__EC_W(0x49f7e8991bdd2aa2), FMCP__EC_W(0x88fd273534e3cae9), FMCP__EC_W(0x5ac0510182cbfea2),
        FMCP__EC_W(0x324c9d414cf84578) },
      { FMCP__EC_W(0xa242311719f13061), FMCP__EC_W(0x69d67cf15f3b9932), FMCP__EC_W(0x32ecdb3cdde2dfad),
        FMCP__EC_W(0x2f74d995b916f7a6) } },
    { { FMCP__EC_W(0x35f7ed423d14bc68), FMCP__EC_W(0x32f63a0445574f91), FMCP__EC_W(0xd04108335e8801e7),
        FMCP__EC_W(0x63b6f13c1c9c1462) },
      { FMCP__EC_W(0x180dcbcd9dc7201f), FMCP__EC_W(0xa07b5b2c360350df), FMCP__EC_W(0x2582b2774236f5cc),
        FMCP__EC_W(0x90163924a7ab06b9) } },
    { { FMCP__EC_W(0x35e751b50767cdf2), FMCP__EC_W(0x808372e69d8e2838), FMCP__EC_W(0xcbad6b30646914d7),
        FMCP__EC_W(0x4eeeb1de6c7b3cab) },
      { FMCP__EC_W(0x3ef3af968c965004), FMCP__EC_W(0xd162290fd281920b), FMCP__EC_W(0x4626c313181f811b),
        FMCP__EC_W(0x5fa42f4fbe61dd14) } },
    { { FMCP__EC_W(0x1f5a9c53a185e98e), FMCP__EC_W(0x13c28277ea9e83c3), FMCP__EC_W(0xb566e4c0b693a226),
        FMCP__EC_W(0x2ea3f1c001533e9e) },
      { FMCP__EC_W(0xb4dbcc336215a21f), FMCP__EC_W(0x7df608c3cb4e98f0), FMCP__EC_W(0x677df928b4dd95dd),
        FMCP__EC_W(0x4c1d7142eeed2934) } },
    { { FMCP__EC_W(0x30bf236c86a2ee12), FMCP__EC_W(0x74d5a12705ecb4c0), FMCP__EC_W(0x9ef43b0f1601cca9),
        FMCP__EC_W(0xbe1b1bf9ac4dd202) },
      { FMCP__EC_W(0x84943e4717b6f93b), FMCP__EC_W(0x6f789757cd5214b3), FMCP__EC_W(0x5e0db1a97f313dfa),
        FMCP__EC_W(0x0515efacece0b72b) } },
    { { FMCP__EC_W(0x433a677ca78c3f8b), FMCP__EC_W(0x204a9feaf376a9c1), FMCP__EC_W(0xb6bfbea444baeadf),
        FMCP__EC_W(0x5a43cafd2b48a3f4) },
      { FMCP__EC_W(0xe25a7d0b67d1d226), FMCP__EC_W(0xb2115844f6837985), FMCP__EC_W(0x8c9cca3ed87c2b88),
        FMCP__EC_W(0xecd4bc73894772e1) } },
    { { FMCP__EC_W(0x368abec6783490e7), FMCP__EC_W(0xf26da8bdd925c359), FMCP__EC_W(0xf9b643e5e8fb0679),
        FMCP__EC_W(0x7ab803d9b555d175) },
      { FMCP__EC_W(0x1b4059994ebae595), FMCP__EC_W(0x07fbbf25ba417a49), FMCP__EC_W(0x02d7cf1cc617957a),
        FMCP__EC_W(0x79070ea5565c1fbb) } },
    { { FMCP__EC_W(0x70194602d9b028fa), FMCP__EC_W(0x9c49969d9ff06760), FMCP__EC_W(0xbf4add816ad27b42),
        FMCP__EC_W(0x7d1f226d8651524e) },
      { FMCP__EC_W(0xb0779b40eecd7724), FMCP__EC_W(0xd356077265938707), FMCP__EC_W(0xe3a61fe5d054b903),
        FMCP__EC_W(0xd6f5a3433365136b) } },
    { { FMCP__EC_W(0x25c87c76d2970fcf), FMCP__EC_W(0x7c9f60a04d5546a8), FMCP__EC_W(0x7dab072f8dd8bf8c),
        FMCP__EC_W(0x3d10907ce8ff9f28) },
      { FMCP__EC_W(0xb08d6d0e34bb2a29), FMCP__EC_W(0x5dfd4907c3fcfdaf), FMCP__EC_W(0xe4a2d4b147123ba6),
        FMCP__EC_W(0x6e9eef0b42de6d8d) } },
    { { FMCP__EC_W(0x81255af5cbb55f9d), FMCP__EC_W(0x579f27055328d39e), FMCP__EC_W(0xa7bfc9173e5ae663),
        FMCP__EC_W(0xe9b55d57a1246e42) },
      { FMCP__EC_W(0x240ecd9475629188), FMCP__EC_W(0x8748d297457bd3c0), FMCP__EC_W(0x50e215ef373c361c),
        FMCP__EC_W(0xaf9d8a8618c967b9) } },
    { { FMCP__EC_W(0x79a041040a04143f), FMCP__EC_W(0x03f7410fc700c616), FMCP__EC_W(0xe8f2a3f291108ca6),
        FMCP__EC_W(0xa26d67e8f5ac679a) },
      { FMCP__EC_W(0xa15dbfebb83fbd9a), FMCP__EC_W(0xf1aaebd23a0b5587), FMCP__EC_W(0x639a97ddce0ead44),
        FMCP__EC_W(0xf253b00c71d12ee0) } },
    { { FMCP__EC_W(0x7baecf4c9e35e57c), FMCP__EC_W(0x522e26a16786e3a5), FMCP__EC_W(0x600b538b8af829a2),
        FMCP__EC_W(0x19fa80b72c6de44a) },
      { FMCP__EC_W(0xb52364f0aaf0ff52), FMCP__EC_W(0x2e4bc21a6714587f), FMCP__EC_W(0x401377a3c245967d),
        FMCP__EC_W(0x65178766a23cf3eb) } },
    { { FMCP__EC_W(0xc1c81838923ac000), FMCP__EC_W(0x42021f02c4abc0ee), FMCP__EC_W(0xcde3bc9a47132a20),
        FMCP__EC_W(0x6f52a864c69f55fb) },
      { FMCP__EC_W(0x0bdfd3e4df89ff6a), FMCP__EC_W(0x244c943bc88bd74e), FMCP__EC_W(0x649e0b532612998b),
        FMCP__EC_W(0xce61ebc3d3413d4a) } },
    { { FMCP__EC_W(0xe31629042cba5a90), FMCP__EC_W(0xa72710aedb6c224e), FMCP__EC_W(0x51831390d87e44db),
        FMCP__EC_W(0xa687dc9848fe2ef3) },
      { FMCP__EC_W(0x857e985516a21ca9), FMCP__EC_W(0xe3428d8ec9a7bc12), FMCP__EC_W(0x16d3bcd012b044a2),
        FMCP__EC_W(0xe6fa0c69e85f6704) } },
    { { FMCP__EC_W(0xe4cca34b8fd42692), FMCP__EC_W(0xc86d49a6e15f3acf), FMCP__EC_W(0xbfe1f263a6b18392),
        FMCP__EC_W(0x0664c933dcd266f6) },
      { FMCP__EC_W(0x86738cf519399d88), FMCP__EC_W(0x1cbcc8c3749ce6bc), FMCP__EC_W(0x28171f7bc773b884),
        FMCP__EC_W(0x306fc95701acf19e) } },
    { { FMCP__EC_W(0x0da7a737afb6a419), FMCP__EC_W(0x637fc26a195fbc40), FMCP__EC_W(0x0fc8f8769c64e8e7),
        FMCP__EC_W(0x2a68579b208c0626) },
      { FMCP__EC_W(0x82e823108628abc3), FMCP__EC_W(0xe4e09313ab23ae94), FMCP__EC_W(0x66bf9adbe5155cf1),
        FMCP__EC_W(0x17909f6ce8a2dd0c) } },
    { { FMCP__EC_W(0x767c359643d7ad31), FMCP__EC_W(0x7ba3a1aa49ccef62), FMCP__EC_W(0x5261c3160242bf5a),
        FMCP__EC_W(0x85f452199eb82dfb) },
      { FMCP__EC_W(0x554cb38237b42e47), FMCP__EC_W(0xc9771ec14cf66133), FMCP__EC_W(0xde70617a153905a3),
        FMCP__EC_W(0x2cab26fcbc61316d) } },
    { { FMCP__EC_W(0x7dababbd75c10315), FMCP__EC_W(0x9a8fbe88a48df64e), FMCP__EC_W(0x2b076fe5e1b8f912),
        FMCP__EC_W(0x1a530ce9ccbd50dc) },
      { FMCP__EC_W(0x47361ab76647d225), FMCP__EC_W(0xf84e73be4d636a15), FMCP__EC_W(0xd58fcaaf5904a2fa),
        FMCP__EC_W(0x73747d4b38523a19) } },
    { { FMCP__EC_W(0x6e6b0fb8b6864cc0), FMCP__EC_W(0x5d8a0027ab3b623c), FMCP__EC_W(0x5e6665389a1cfc9c),
        FMCP__EC_W(0x816b19de521e4ff3) },
      { FMCP__EC_W(0x56709ad00bc447f8), FMCP__EC_W(0x1d46cb1c8f1464d7), FMCP__EC_W(0x49cef820a949873d),
        FMCP__EC_W(0x02804692d9d3e65f) } },
    { { FMCP__EC_W(0x1ae0ea28ad8b5976), FMCP__EC_W(0x4e9ad48e869458fb), FMCP__EC_W(0xe9437ec996cfedf8),
        FMCP__EC_W(0xa4f924a22afa74d9) },
      { FMCP__EC_W(0xcb5b1845aaf797c0), FMCP__EC_W(0xe5d6dd0eba6f557f), FMCP__EC_W(0xa1496fe691dc2e7c),
        FMCP__EC_W(0xad31edac8c179fc7) } },
    { { FMCP__EC_W(0xf9c5e9de44b06ed7), FMCP__EC_W(0x6ce7c4f74a597159), FMCP__EC_W(0xd02ec441833accb5),
        FMCP__EC_W(0xf30205996296e8fc) },
      { FMCP__EC_W(0x7df6c5c6c2afbe06), FMCP__EC_W(0xff429dda9c849b09), FMCP__EC_W(0x42170166f5dd78d6),
        FMCP__EC_W(0x2403ea21830c388b) } },
};
/* P-384 comb: entry j - 1 is the sum of 2^(64 b) G over the bits b of j
 * (j = 1..63), affine, Montgomery form (generated) */
static const fmcp__ec_limb fmcp__ec_p384_comb[63][2][FMCP__EC_N384] = {
    { { FMCP__EC_W(0x3dd0756649c0b528), FMCP__EC_W(0x20e378e2a0d6ce38), FMCP__EC_W(0x879c3afc541b4d6e),
        FMCP__EC_W(0x6454868459a30eff), FMCP__EC_W(0x812ff723614ede2b), FMCP__EC_W(0x4d3aadc2299e1513) },
      { FMCP__EC_W(0x23043dad4b03a4fe), FMCP__EC_W(0xa1bfa8bf7bb4a9ac), FMCP__EC_W(0x8bade7562e83b050),
        FMCP__EC_W(0xc6c3521968f4ffd9), FMCP__EC_W(0xdd8002263969a840), FMCP__EC_W(0x2b78abc25a15c5e9) } },
    { { FMCP__EC_W(0xa54768dab1b43eef), FMCP__EC_W(0x13e41f47e14fda22), FMCP__EC_W(0x774df203faef6863),
        FMCP__EC_W(0xf795a034bd7471b3), FMCP__EC_W(0xf0958718b47de2e9), FMCP__EC_W(0xc92f7888e1160cff) },
      { FMCP__EC_W(0x86ded97b0146c790), FMCP__EC_W(0x015918f5480a4b7b), FMCP__EC_W(0x05588920424e8459),
        FMCP__EC_W(0x37455914eecf8b2b), FMCP__EC_W(0xe7d3df1fb968a6fa), FMCP__EC_W(0x07a0ffd6bad0719f) } },
    { { FMCP__EC_W(0xda37cd535c54db6f), FMCP__EC_W(0x0e37890a91f06c5c), FMCP__EC_W(0x1730ef7be7ae7db5),
        FMCP__EC_W(0x2b3dcd51ff045f54), FMCP__EC_W(0xf5db3c3c72cc8451), FMCP__EC_W(0x3165d6efcf0c185c) },
      { FMCP__EC_W(0x177c4f6bf5958d78), FMCP__EC_W(0xcb29d22f8d676a9f), FMCP__EC_W(0x3bcf0068792ac96d),
        FMCP__EC_W(0x60d1c6b719df5641), FMCP__EC_W(0x426e412a68a099f8), FMCP__EC_W(0xf9ca0c5c9f74d52b) } },
    { { FMCP__EC_W(0xf186d6bcc88d568a), FMCP__EC_W(0x872bc4c7528535dd), FMCP__EC_W(0xc9e7432edfe64dc3),
        FMCP__EC_W(0xd9fc4832d795ea57), FMCP__EC_W(0xf4ffdb81c845af2b), FMCP__EC_W(0x66d7e7882b670517) },
      { FMCP__EC_W(0xa7c1be04d7b7a1c6), FMCP__EC_W(0xbed88479d5b2a249), FMCP__EC_W(0x62ff8aba03f2ef6d),
        FMCP__EC_W(0x60ecaac420dc701d), FMCP__EC_W(0x9f4b559f4ff10119), FMCP__EC_W(0x0582c9313cd54fd0) } },
    { { FMCP__EC_W(0x394fb84de86e3f64), FMCP__EC_W(0xfe4a36e7ff13314e), FMCP__EC_W(0xa1e44b14dc261ec2),
        FMCP__EC_W(0x3924e50a7420408f), FMCP__EC_W(0x637e330242ed7626), FMCP__EC_W(0xeb657b10fd711ba4) },
      { FMCP__EC_W(0xc16d01c5340949bb), FMCP__EC_W(0x30e043267f1f42c7), FMCP__EC_W(0xe7465819b056d872),
        FMCP__EC_W(0x3386f1c6886fb3db), FMCP__EC_W(0x5be463a5be56f774), FMCP__EC_W(0xa96fd3b74694e15a) } },
    { { FMCP__EC_W(0x95dd5ee5a98b4254), FMCP__EC_W(0xea328205aa845e67), FMCP__EC_W(0x98640fb5a1e36348),
        FMCP__EC_W(0xd1bc5c251add5ee7), FMCP__EC_W(0xc3158a423d11b799), FMCP__EC_W(0x5feb68ed47c83d54) },
      { FMCP__EC_W(0x7c5a1204963a207b), FMCP__EC_W(0x2f2b2c7eee4671f8), FMCP__EC_W(0xb63d291cd42867a6),
        FMCP__EC_W(0x0b073620139530f4), FMCP__EC_W(0xbe149492abb05b99), FMCP__EC_W(0x21417da455accd2a) } },
    { { FMCP__EC_W(0x9408555e9e5eba15), FMCP__EC_W(0x416250137b7572c5), FMCP__EC_W(0xfa53ee50bfff6ea7),
        FMCP__EC_W(0x3d682de1e7b178c3), FMCP__EC_W(0xb3e8769dec329f53), FMCP__EC_W(0x1ab8c82e9eb524f4) },
      { FMCP__EC_W(0x5bbd538dde2f1eb9), FMCP__EC_W(0x1d1b0bea2b19c51e), FMCP__EC_W(0xf785f9b98cb06eee),
        FMCP__EC_W(0x5cff29c6f58f21d5), FMCP__EC_W(0x44aaa52245cbaef3), FMCP__EC_W(0xd60c19427de40246) } },
    { { FMCP__EC_W(0x378205de2f9fbe67), FMCP__EC_W(0xc4afcb837f728e44), FMCP__EC_W(0xdbcec06c682e00f1),
        FMCP__EC_W(0xf2a145c3114d5423), FMCP__EC_W(0xa01d98747a52463e), FMCP__EC_W(0xfc0935b17d717b0a) },
      { FMCP__EC_W(0x9653bc4fd4d01f95), FMCP__EC_W(0x9aa83ea89560ad34), FMCP__EC_W(0xf77943dcaf8e3f3f),
        FMCP__EC_W(0x70774a10e86fe16e), FMCP__EC_W(0x6b62e6f1bf9ffdcf), FMCP__EC_W(0x8a72f39e588745c9) } },
    { { FMCP__EC_W(0x73ade4da2341c342), FMCP__EC_W(0xdd326e54ea704422), FMCP__EC_W(0x336c7d983741cef3),
        FMCP__EC_W(0x1eafa00d59e61549), FMCP__EC_W(0xcd3ed892bd9a3efd), FMCP__EC_W(0x03faf26cc5c6c7e4) },
      { FMCP__EC_W(0x087e2fcf3045f8ac), FMCP__EC_W(0x14a65532174f1e73), FMCP__EC_W(0x2cf84f28fe0af9a7),
        FMCP__EC_W(0xddfd7a842cdc935b), FMCP__EC_W(0x4c0f117b6929c895), FMCP__EC_W(0x356572d64c8bcfcc) } },
    { { FMCP__EC_W(0x984a6aed6420bc66), FMCP__EC_W(0x6d90e0e0896a24a6), FMCP__EC_W(0xe0adb93a18713003),
        FMCP__EC_W(0xf00d424c1a8369fc), FMCP__EC_W(0x636ebf14712ae802), FMCP__EC_W(0xee39ff8ebe9d739a) },
      { FMCP__EC_W(0xb330dd3e94f6d1dc), FMCP__EC_W(0x6ba6780eb7731cf8), FMCP__EC_W(0x4e569408198be5a2),
        FMCP__EC_W(0x6639523b0193a22c), FMCP__EC_W(0x6978cc9d91aa1455), FMCP__EC_W(0x62062d8f329f9763) } },
    { { FMCP__EC_W(0x7159107d80efff78), FMCP__EC_W(0xf8ed5f8e8e4c39d5), FMCP__EC_W(0x64a2265cc15e679c),
        FMCP__EC_W(0xfc514e17a6d96c81), FMCP__EC_W(0x59c86545f093e0a8), FMCP__EC_W(0x804b0a588b5a336a) },
      { FMCP__EC_W(0x94c32118cb9dcbca), FMCP__EC_W(0x2deb0e385d45251d), FMCP__EC_W(0xd1092b0986869572),
        FMCP__EC_W(0x073bf838fb2e9f97), FMCP__EC_W(0x76b6d7d6de700fcb), FMCP__EC_W(0xd2a6d110f2ddce5f) } },
    { { FMCP__EC_W(0x6da7ccd0229de19e), FMCP__EC_W(0x5050d45df0aa039d), FMCP__EC_W(0xf9f01d68d9e7a861),
        FMCP__EC_W(0x6d8b9f2000aa05f2), FMCP__EC_W(0xae3d9698742cd4d9), FMCP__EC_W(0x43e477abd560c394) },
      { FMCP__EC_W(0x73d594991cb6dd81), FMCP__EC_W(0x689162b2fac3f62e), FMCP__EC_W(0xd6187ca864d1d0d5),
        FMCP__EC_W(0xe8421a0d2f067457), FMCP__EC_W(0x9b266acbea7c3a8d), FMCP__EC_W(0x707e0e6e44df5cb3) } },
    { { FMCP__EC_W(0x604b2a1a026511a0), FMCP__EC_W(0xd4f6cf16256f4076), FMCP__EC_W(0x7d823347b315a642),
        FMCP__EC_W(0x8f805833786aa438), FMCP__EC_W(0x9883df85f04bb4b3), FMCP__EC_W(0x02bc10305bba6d84) },
      { FMCP__EC_W(0xfe39a024a72c03ac), FMCP__EC_W(0xa980db635f2dbfd0), FMCP__EC_W(0xcd53149f4f259ec6),
        FMCP__EC_W(0xe969079b43f53f97), FMCP__EC_W(0xd3849fdb42f9f27c), FMCP__EC_W(0xd2cfd3f842653dc9) } },
    { { FMCP__EC_W(0xbf69fe6a6abe7d80), FMCP__EC_W(0x4932288192bb50e2), FMCP__EC_W(0xc9e2f7fb61e8b18d),
        FMCP__EC_W(0x24c74788f6c82421), FMCP__EC_W(0xe79e5e3011c0b244), FMCP__EC_W(0xd6612c70e0484571) },
      { FMCP__EC_W(0x7863ff927ef82d17), FMCP__EC_W(0x692790feb0a1b01c), FMCP__EC_W(0xa2d6ffb5afe51546),
        FMCP__EC_W(0xacdb43f26cf550c6), FMCP__EC_W(0x3b3243dfaecfaf8f), FMCP__EC_W(0x9557335ac233bcd9) } },
    { { FMCP__EC_W(0x25e08c8faff5b387), FMCP__EC_W(0x112c11e2d06208ce), FMCP__EC_W(0x61031c1765234214),
        FMCP__EC_W(0xba06f5550514764d), FMCP__EC_W(0xfaacf6f39bd197d0), FMCP__EC_W(0xe4b032321464a57f) },
      { FMCP__EC_W(0x00c19adfe35dcd69), FMCP__EC_W(0x81b75730a1c2646c), FMCP__EC_W(0x47baa4fee0c50e32),
        FMCP__EC_W(0xe9297832bcaddb3b), FMCP__EC_W(0x1768d2f9d712c6cf), FMCP__EC_W(0xfcef29fdb82e9eea) } },
    { { FMCP__EC_W(0xdbe04c3044ce3ad8), FMCP__EC_W(0x995fbb1b4ce8aad5), FMCP__EC_W(0xdbf8b54670911457),
        FMCP__EC_W(0x9e683b5b3f7a1757), FMCP__EC_W(0x7b89a08a9c7bd62c), FMCP__EC_W(0x448865a40b3fc97e) },
      { FMCP__EC_W(0x0ac9abfc3bb01e94), FMCP__EC_W(0xa07760421e756124), FMCP__EC_W(0x0aa6c335d9deed97),
        FMCP__EC_W(0xe270580f72603e08), FMCP__EC_W(0x70857a946c783bb2), FMCP__EC_W(0xa0047774caa929ae) } },
    { { FMCP__EC_W(0x56211190a353e889), FMCP__EC_W(0x052917c3190eb198), FMCP__EC_W(0xadfd85b03eee3d12),
        FMCP__EC_W(0xde1d761779fd9c91), FMCP__EC_W(0x05be51b7bf500159), FMCP__EC_W(0x271f07178fcb87f1) },
      { FMCP__EC_W(0x02673e273a75ac71), FMCP__EC_W(0xb1b7246eda12da8d), FMCP__EC_W(0xb25647928f5fb8c0),
        FMCP__EC_W(0x0a22cbe1063b1d7f), FMCP__EC_W(0xb0d7a7365649976e), FMCP__EC_W(0x8f8e6e289e96b15d) } },
    { { FMCP__EC_W(0x8fc113f98312351c), FMCP__EC_W(0xe837b9e0c5eff002), FMCP__EC_W(0x7cb9ef074dad72fc),
        FMCP__EC_W(0x18a8d43eb5eb7ee3), FMCP__EC_W(0x2cf3ae844925efdb), FMCP__EC_W(0x376e9e857756ec6a) },
      { FMCP__EC_W(0xf77a79c8a3e3705f), FMCP__EC_W(0x2d590b7d6c5fbab3), FMCP__EC_W(0xa59713e27a4766c3),
        FMCP__EC_W(0xb5da6a6861544174), FMCP__EC_W(0xadb04a8adab1fe76), FMCP__EC_W(0x03b6138d375143b4) } },
    { { FMCP__EC_W(0x20d88a80c1bfa043), FMCP__EC_W(0x88806999672583ce), FMCP__EC_W(0x195a89eaaea9b605),
        FMCP__EC_W(0x0b9b4e8532bac07b), FMCP__EC_W(0x8279965683868df6), FMCP__EC_W(0x83c58afab52711a9) },
      { FMCP__EC_W(0xb895c13d1c869283), FMCP__EC_W(0x00f98d046206dde6), FMCP__EC_W(0x76caaa22884bf311),
        FMCP__EC_W(0x22b2137f995b29a5), FMCP__EC_W(0x7f645809b098b07b), FMCP__EC_W(0xa540c8a6050e2552) } },
    { { FMCP__EC_W(0x47980509e562d904), FMCP__EC_W(0xe736f89d031e112c), FMCP__EC_W(0xbc6bfb0765d8ae25),
        FMCP__EC_W(0xe9ed4cc4ca459646), FMCP__EC_W(0xf540e90e2fff67ff), FMCP__EC_W(0x836280eb1a314e11) },
      { FMCP__EC_W(0xa710b25041610627), FMCP__EC_W(0xefc22b1573a9f9a2), FMCP__EC_W(0x60f20789456498c0),
        FMCP__EC_W(0x417920438052f4e7), FMCP__EC_W(0x5c850903d5c0e80d), FMCP__EC_W(0x52df5275bf1d8815) } },
    { { FMCP__EC_W(0x25539de98ece218d), FMCP__EC_W(0xb36574a8dca420ba), FMCP__EC_W(0x9d1812680e0d07fe),
        FMCP__EC_W(0xea79a5f5ad3ed34f), FMCP__EC_W(0x8b739ad57c9277cf), FMCP__EC_W(0xd88659886ee9a930) },
      { FMCP__EC_W(0xaf07bfb621591a3e), FMCP__EC_W(0xe0138c6508f3524f), FMCP__EC_W(0xd3128f1297ee315e),
        FMCP__EC_W(0x67f8641e21045f63), FMCP__EC_W(0x3e1a96b140c73a2d), FMCP__EC_W(0x8976b70305f51122) } },
    { { FMCP__EC_W(0xdeaf635731960db4), FMCP__EC_W(0x680b054e5948d7f7), FMCP__EC_W(0x0841e40fd272bb5c),
        FMCP__EC_W(0x94d37db26e36117d), FMCP__EC_W(0xaf2d001547f63ec8), FMCP__EC_W(0x82665cdc47493309) },
      { FMCP__EC_W(0xfe90e844abbe3851), FMCP__EC_W(0x8357709afb79bc0c), FMCP__EC_W(0x811a64d2b6bcc044),
        FMCP__EC_W(0x1937c988882b3415), FMCP__EC_W(0xe8b28724e267b271), FMCP__EC_W(0x84d1eed0af89ed33) } },
    { { FMCP__EC_W(0x52b8234f54c894a7), FMCP__EC_W(0xfe54146fa2d11b70), FMCP__EC_W(0x6412b5eb0aab6097),
        FMCP__EC_W(0xa62499906a13a9da), FMCP__EC_W(0xd2b1eb50adc448ca), FMCP__EC_W(0xe7ab51f9b115ab92) },
      { FMCP__EC_W(0x4638ee62e76551d8), FMCP__EC_W(0x74c3c1e1afe9c98d), FMCP__EC_W(0x59000ad060d77322),
        FMCP__EC_W(0x0a4b105ba06adc9a), FMCP__EC_W(0xcdaeb4a496a6f616), FMCP__EC_W(0x8c79c4a1864b49dc) } },
    { { FMCP__EC_W(0xc09c32d1c0b1bf15), FMCP__EC_W(0x005d510f88d74e44), FMCP__EC_W(0x031f9a9afc2c089e),
        FMCP__EC_W(0x08aac7294ba183f0), FMCP__EC_W(0xf227a7ceaf2245eb), FMCP__EC_W(0xb4ec33cbb3a864ff) },
      { FMCP__EC_W(0xdb76decd570a24f3), FMCP__EC_W(0xea59387a12283a9e), FMCP__EC_W(0x81b7c569341ef9a4),
        FMCP__EC_W(0xad7c98bd8d77833a), FMCP__EC_W(0x2182133b49ca80ff), FMCP__EC_W(0x1de1d456085802b7) } },
    { { FMCP__EC_W(0xeead25b2e1c02860), FMCP__EC_W(0xb2ae43694ff42d2e), FMCP__EC_W(0x4b39a2ddfd61c1b0),
        FMCP__EC_W(0x29c826ea968718a5), FMCP__EC_W(0x877fdf15d9751a0a), FMCP__EC_W(0x00b321dfb54affdf) },
      { FMCP__EC_W(0x3c7c0778d4d5dbf7), FMCP__EC_W(0x858a0fdccfc47423), FMCP__EC_W(0xbd8e6544185b3063),
        FMCP__EC_W(0xa22c3ef62da46a04), FMCP__EC_W(0x5c2d84016a6c0ce1), FMCP__EC_W(0x260246eddd6329ae) } },
    { { FMCP__EC_W(0x71753fc00c6463f6), FMCP__EC_W(0x7ec14c015c6c9e33), FMCP__EC_W(0x28b9ab9441ce6153),
        FMCP__EC_W(0x3a1ac251a6702c8d), FMCP__EC_W(0x2b124bc49ed6cb1f), FMCP__EC_W(0x7a11c4be4fc7383f) },
      { FMCP__EC_W(0x1414913509fac991), FMCP__EC_W(0xf7c188d3cb1ee336), FMCP__EC_W(0x754bc47391c3f406),
        FMCP__EC_W(0x71d34587cad39500), FMCP__EC_W(0x213dd1a7dd0399a1), FMCP__EC_W(0x8457a8f671d05899) } },
    { { FMCP__EC_W(0xa921ca662e9c06d3), FMCP__EC_W(0x1d8974e89ba6521f), FMCP__EC_W(0xbb465c775f79f791),
        FMCP__EC_W(0x8f983f083a3954c8), FMCP__EC_W(0x8492f8398b3935dc), FMCP__EC_W(0x2b87d9c290c04426) },
      { FMCP__EC_W(0xcec76ea403e60a28), FMCP__EC_W(0x648e9830aa631308), FMCP__EC_W(0x7b542f791eb86b73),
        FMCP__EC_W(0xfc8cc9a3150d854d), FMCP__EC_W(0x2be86940bfcc83fe), FMCP__EC_W(0x2e58a13ac88c7585) } },
    { { FMCP__EC_W(0x19249a8fd1bc237f), FMCP__EC_W(0xdec1c6a563505555), FMCP__EC_W(0xc8256977bad2a93b),
        FMCP__EC_W(0x78533659fc598170), FMCP__EC_W(0x888a6578ee7e53cb), FMCP__EC_W(0x28783b0e33766db3) },
      { FMCP__EC_W(0xcf791e56e42c28f2), FMCP__EC_W(0xfbf8dde8f9c37f4c), FMCP__EC_W(0xf0ffaf1712c05395),
        FMCP__EC_W(0xd27d21e9daf2f012), FMCP__EC_W(0xf90432da9a7be009), FMCP__EC_W(0xa459c036a8012f28) } },
    { { FMCP__EC_W(0x4d99a7cac8b1c6d4), FMCP__EC_W(0x8088818825c899c0), FMCP__EC_W(0xbd27e9be2ebdeb3d),
        FMCP__EC_W(0x73c3e0aa054e77c1), FMCP__EC_W(0x180c848498534ce5), FMCP__EC_W(0x750d52f754ffa9cd) },
      { FMCP__EC_W(0x5f26eeb16f702f4c), FMCP__EC_W(0x427fc6e4cc76d8f4), FMCP__EC_W(0x93126b8d026b631d),
        FMCP__EC_W(0x5356b93917e145a7), FMCP__EC_W(0xc79ca872c0be7c84), FMCP__EC_W(0x3fca7cad4b615fb7) } },
    { { FMCP__EC_W(0xed48fe78d0241021), FMCP__EC_W(0x252b14a0142f7f8e), FMCP__EC_W(0x19ab85c6db573a09),
        FMCP__EC_W(0x546c3960f3df906f), FMCP__EC_W(0xc688f4b22c810ea8), FMCP__EC_W(0xbccf0cca5ff9e108) },
      { FMCP__EC_W(0x34f4609e3f2cc69b), FMCP__EC_W(0xf3b1efe414afe4f4), FMCP__EC_W(0x5d809cef37a8ef74),
        FMCP__EC_W(0xa8d1978a176ba328), FMCP__EC_W(0x75dde11fdf59ecb9), FMCP__EC_W(0x34eeeaffa9916ee2) } },
    { { FMCP__EC_W(0xe7f603f248e83c85), FMCP__EC_W(0xa94a539cfa581815), FMCP__EC_W(0x5a61a596dba360b7),
        FMCP__EC_W(0x6cc51dd16a77ef79), FMCP__EC_W(0x4ff36ae0fdbceb9d), FMCP__EC_W(0xfcff65323e8a9c07) },
      { FMCP__EC_W(0x0ba0ce5436d4d0b8), FMCP__EC_W(0x98087a452464efc2), FMCP__EC_W(0xd456843bcc1a2ba7),
        FMCP__EC_W(0x677384a53853e04c), FMCP__EC_W(0x625d32d56c7971de), FMCP__EC_W(0x86882509f724b331) } },
    { { FMCP__EC_W(0xc20fb9111a42e5e7), FMCP__EC_W(0x075a678b81d12863), FMCP__EC_W(0x12bcbc6a5cc0aa89),
        FMCP__EC_W(0x5279c6ab4fb9f01e), FMCP__EC_W(0xbc8e178911ae1b89), FMCP__EC_W(0xae74a706c290003c) },
      { FMCP__EC_W(0x9949d6ec79df3f45), FMCP__EC_W(0xba18e26296c8d37f), FMCP__EC_W(0x68de6ee2dd2275bf),
        FMCP__EC_W(0xa9e4fff8c419f1d5), FMCP__EC_W(0xbc759ca4a52b5a40), FMCP__EC_W(0xff18cbd863b0996d) } },
    { { FMCP__EC_W(0x684a681892a5eeea), FMCP__EC_W(0x1f5b193242a09264), FMCP__EC_W(0x30bd8695d98a2f34),
        FMCP__EC_W(0x6e775e019a8601fc), FMCP__EC_W(0x8126bdc24ca956f8), FMCP__EC_W(0x149e73d9e5595daa) },
      { FMCP__EC_W(0x876428401f851e83), FMCP__EC_W(0x4b8863dbd3a7c4a0), FMCP__EC_W(0xe1e43b3d8c95d7d9),
        FMCP__EC_W(0x7f1e307ea60fd528), FMCP__EC_W(0xbf2fa5d134341610), FMCP__EC_W(0x11ad4a8181c502d3) } },
    { { FMCP__EC_W(0xc7df022e782dd401), FMCP__EC_W(0xd15aa9a9a7bcc543), FMCP__EC_W(0x6aa42774b94df1d0),
        FMCP__EC_W(0xab2660c30592a13e), FMCP__EC_W(0xaf4e40809ffc40c7), FMCP__EC_W(0x01152c8d9cd52b10) },
      { FMCP__EC_W(0x649de1d99034a33a), FMCP__EC_W(0x2b9d0ef0d758abfc), FMCP__EC_W(0xdddd0bc2d458addd),
        FMCP__EC_W(0xe5366ac9c09837f8), FMCP__EC_W(0xa003abbb7b1ae35f), FMCP__EC_W(0x880062887ab1fdde) } },
    { { FMCP__EC_W(0x6b6c8f055288f1b4), FMCP__EC_W(0xba05407c033738b4), FMCP__EC_W(0x26cac3a941a955e3),
        FMCP__EC_W(0x28f1692f8e0e0601), FMCP__EC_W(0x2032cb36842c4887), FMCP__EC_W(0x6adeba457d76b20f) },
      { FMCP__EC_W(0xd282c2ce654c6f5c), FMCP__EC_W(0x30584ca5be9ba4f1), FMCP__EC_W(0x45d766a01b2c528b),
        FMCP__EC_W(0xe918bad7c0c6f8cc), FMCP__EC_W(0x1e050b2a0560f070), FMCP__EC_W(0x4fc95de12d6dd010) } },
    { { FMCP__EC_W(0x2bb26072150191d5), FMCP__EC_W(0xea2617618108dcf6), FMCP__EC_W(0x4dfa1303e6083c63),
        FMCP__EC_W(0xfa4e0709e2876fb8), FMCP__EC_W(0xf901fed0b1668763), FMCP__EC_W(0xf01c53aeb82c967a) },
      { FMCP__EC_W(0xb43e59d39ed827e8), FMCP__EC_W(0xb58e157e57774eef), FMCP__EC_W(0x57ee54e31b83dcee),
        FMCP__EC_W(0x3d896f32613aa922), FMCP__EC_W(0x69d40667b5c7bfc5), FMCP__EC_W(0xd402b5cb77a2c0d8) } },
    { { FMCP__EC_W(0xabeb70127d3c9923), FMCP__EC_W(0x412ada8dd7ecb93a), FMCP__EC_W(0xeb64dc910b71ae2f),
        FMCP__EC_W(0x52ef537aa9ab061a), FMCP__EC_W(0x0863970fc1b55fae), FMCP__EC_W(0xfaff5fb9b1182dbd) },
      { FMCP__EC_W(0x5551d6fed0abaa17), FMCP__EC_W(0x7bb3e02072d641f6), FMCP__EC_W(0x939d7793aa9d288c),
        FMCP__EC_W(0x1450f8bf9078e2c2), FMCP__EC_W(0x24ccd102a086b6ae), FMCP__EC_W(0x57d1796f6a3f8a5f) } },
    { { FMCP__EC_W(0x1023120683ce1f76), FMCP__EC_W(0xd16d4b9f03ee406f), FMCP__EC_W(0x9d39c39883caa4b7),
        FMCP__EC_W(0x875732f5ce299b93), FMCP__EC_W(0x1e6a425d2f121f4a), FMCP__EC_W(0x4b1f1d835d8c3279) },
      { FMCP__EC_W(0xe655f58856dd6a6c), FMCP__EC_W(0x23f106475843fd34), FMCP__EC_W(0x932b7d942bad6ce2),
        FMCP__EC_W(0x70a0580e6772a52e), FMCP__EC_W(0x3240118ac88537af), FMCP__EC_W(0x9ccb2ca9d2407224) } },
    { { FMCP__EC_W(0xa6a40db8710f2324), FMCP__EC_W(0xb3567518c2a8a09a), FMCP__EC_W(0x8816442841b5650a),
        FMCP__EC_W(0x2a352ed27570ba50), FMCP__EC_W(0x23ee46b94c85d77e), FMCP__EC_W(0x643aceffd858a8c3) },
      { FMCP__EC_W(0xe067908de3f02e82), FMCP__EC_W(0x8d5869f2ffb8cf81), FMCP__EC_W(0x4713f0820bc8ad7e),
        FMCP__EC_W(0xe1ee44c780057c40), FMCP__EC_W(0xb34395087d2cf34e), FMCP__EC_W(0x4307b0e10336a207) } },
    { { FMCP__EC_W(0xe9c1e45746e4d003), FMCP__EC_W(0xa23978c394332057), FMCP__EC_W(0x0e2f300829575db6),
        FMCP__EC_W(0x50a51ff490441e9e), FMCP__EC_W(0x38ce3ed0508d4a07), FMCP__EC_W(0x6a997411cfd7224e) },
      { FMCP__EC_W(0x4d147c31da6b1e1d), FMCP__EC_W(0xedf604b2da8a3547), FMCP__EC_W(0x7a1b8cf0d5e9ceed),
        FMCP__EC_W(0xd74e501213544e6a), FMCP__EC_W(0xcc49f8da4ad968f9), FMCP__EC_W(0xfb87e604cc69ada9) } },
    { { FMCP__EC_W(0xde79409bdf166882), FMCP__EC_W(0xd645b836d46cc527), FMCP__EC_W(0xda4a02f3b6c3eb28),
        FMCP__EC_W(0x845e3c5900e7cf86), FMCP__EC_W(0x733bdc9b604c6d80), FMCP__EC_W(0xe3a1244b847acd97) },
      { FMCP__EC_W(0x421312d6d128842c), FMCP__EC_W(0x81f71feaa1c598ef), FMCP__EC_W(0xc619465545eaf796),
        FMCP__EC_W(0x1ffb85121f338b6c), FMCP__EC_W(0xe7aed7106632f064), FMCP__EC_W(0xf8d1ffb7f5b6e510) } },
    { { FMCP__EC_W(0x7d3f031f3eace851), FMCP__EC_W(0xef43ab7025923624), FMCP__EC_W(0xbae811881af6cdec),
        FMCP__EC_W(0xb7e93b49ea862112), FMCP__EC_W(0xe35a4fc6af23aba2), FMCP__EC_W(0xc52e1fc0aecc593e) },
      { FMCP__EC_W(0xbffa292428148b99), FMCP__EC_W(0xd08040fc89e3d795), FMCP__EC_W(0x7da320032db47b3a),
        FMCP__EC_W(0xe78b44e5a0eb7aa3), FMCP__EC_W(0xd1648ec8f0ec090b), FMCP__EC_W(0x4048dba7740fe871) } },
    { { FMCP__EC_W(0x6fddb89fa00a14ac), FMCP__EC_W(0x844f991508aa06e7), FMCP__EC_W(0x6d5ac4a9f76aca7d),
        FMCP__EC_W(0xfba1ba85e9fa4d51), FMCP__EC_W(0x159633bbb2ea0fc7), FMCP__EC_W(0xa2eb0e4b76ba2854) },
      { FMCP__EC_W(0x8a858155c11f5398), FMCP__EC_W(0x30a96e535e8ea044), FMCP__EC_W(0x696210c197e05a47),
        FMCP__EC_W(0x86e55f9415036f4b), FMCP__EC_W(0x0c93ea9c6a96d9d7), FMCP__EC_W(0xb7ba506179eba3da) } },
    { { FMCP__EC_W(0xd305c733cd94d7b2), FMCP__EC_W(0x9ea33e363e7955b2), FMCP__EC_W(0x78a98855bc73812f),
        FMCP__EC_W(0xfb1b791d48a3a9a0), FMCP__EC_W(0x6e5107ee04014aaf), FMCP__EC_W(0x0412b2c00ea07de0) },
      { FMCP__EC_W(0xdd3a2408ddcaca68), FMCP__EC_W(0x5d18e69ae3344f29), FMCP__EC_W(0x3ce65481f9017408),
        FMCP__EC_W(0x50abb4568cbd64fb), FMCP__EC_W(0x442fa5098916a9eb), FMCP__EC_W(0x16b3ddc7c538c410) } },
    { { FMCP__EC_W(0x6757dbfd25e331ab), FMCP__EC_W(0x0efde50ba3eaafbc), FMCP__EC_W(0x1cd46222d531d29c),
        FMCP__EC_W(0x1b713ca93561cb2b), FMCP__EC_W(0x7d07334bfb5bc99d), FMCP__EC_W(0x95dba43e885a417d) },
      { FMCP__EC_W(0x1c9c3f3f77823a59), FMCP__EC_W(0x43533ba83220cb7f), FMCP__EC_W(0x1b918bc182e3e401),
        FMCP__EC_W(0x66a039aacd3fec87), FMCP__EC_W(0x1d39dbb02dad36d5), FMCP__EC_W(0x554025959dc04be4) } },
    { { FMCP__EC_W(0xdf39920847744933), FMCP__EC_W(0x4264f7ea82524dd6), FMCP__EC_W(0xdb57ec08e5182c6d),
        FMCP__EC_W(0x2d6778e705c5e7bf), FMCP__EC_W(0x3f37793f96f53ea2), FMCP__EC_W(0x6472cbae05c47e48) },
      { FMCP__EC_W(0x9e6dd60fbf78067c), FMCP__EC_W(0xa2817ec2cef34088), FMCP__EC_W(0xde4715b8168edde9),
        FMCP__EC_W(0x6c57105146bf31e1), FMCP__EC_W(0x98113fbbc4272bc0), FMCP__EC_W(0x03bb7922cc3b90c3) } },
    { { FMCP__EC_W(0xe0f23be157d88fef), FMCP__EC_W(0x4125c55b0ca27a01), FMCP__EC_W(0xeadf527e14a71262),
        FMCP__EC_W(0x1f2e803ccc4e9a04), FMCP__EC_W(0x32e07b47d68c4fcf), FMCP__EC_W(0x1577fab79db5070b) },
      { FMCP__EC_W(0xd786d6e57831990a), FMCP__EC_W(0xf64ff4b154fbde40), FMCP__EC_W(0x4bac5b034f9450ae),
        FMCP__EC_W(0x06ae25e055116af9), FMCP__EC_W(0x33d84ea2d7b4fcfc), FMCP__EC_W(0x44a92e73569c3b9e) } },
    { { FMCP__EC_W(0xf5bdccbabad0cb7f), FMCP__EC_W(0x370f43ca958edd05), FMCP__EC_W(0x3dd8232b04904a26),
        FMCP__EC_W(0x3f8106682f4458e8), FMCP__EC_W(0xdfcb67b99b3ace7e), FMCP__EC_W(0x54e42f2d3e1241fc) },
      { FMCP__EC_W(0xe30f3fb0db889300), FMCP__EC_W(0x4ca0184b483e51fc), FMCP__EC_W(0x5a32d097a638dac6),
        FMCP__EC_W(0x567a2b5ec62a1db0), FMCP__EC_W(0x2a756ba3c446456c), FMCP__EC_W(0x6919026dd9f8d5c0) } },
    { { FMCP__EC_W(0x7f6493fc4fec874a), FMCP__EC_W(0x8bb8a674d47a0770), FMCP__EC_W(0x90bad2a652bd4f0c),
        FMCP__EC_W(0x16badbe2f5733b07), FMCP__EC_W(0x93be07cf93a1f802), FMCP__EC_W(0x1e37a01541c395f7) },
      { FMCP__EC_W(0xfe2c0fd6216582b3), FMCP__EC_W(0xdcd98bc81627180d), FMCP__EC_W(0x41e037268e8c9f1e),
        FMCP__EC_W(0x93dbc22cfe8f45af), FMCP__EC_W(0x5728c8a6ff45e059), FMCP__EC_W(0x4f2f15cfca4a98cd) } },
    { { FMCP__EC_W(0xdbe2ec5d656e7d76), FMCP__EC_W(0x84ad1b4bae2757bb), FMCP__EC_W(0xc9297e7a0d4fec75),
        FMCP__EC_W(0xfcc673eecad3ba87), FMCP__EC_W(0xb0f77621dfd1671a), FMCP__EC_W(0x5c386e449704a8c7) },
      { FMCP__EC_W(0xce78f03f3e29256d), FMCP__EC_W(0x0b185938c3a6ed2f), FMCP__EC_W(0x7b1e2fae7824819b),
        FMCP__EC_W(0x5a85d7f1f2d9313c), FMCP__EC_W(0x238bd27973595b0f), FMCP__EC_W(0x5fbf6b675c1cd2dc) } },
    { { FMCP__EC_W(0x84d1ffb88a3e2412), FMCP__EC_W(0xf01605926515f2fe), FMCP__EC_W(0x0e26ea9889905340),
        FMCP__EC_W(0xbfd7a1b7203bd3d4), FMCP__EC_W(0x5301273a88ea0bda), FMCP__EC_W(0x2f424475b28dd43e) },
      { FMCP__EC_W(0x31014a2b33c28afa), FMCP__EC_W(0xffbdea0c01e220ea), FMCP__EC_W(0x681c64e8460b81d5),
        FMCP__EC_W(0xdbe6f7286a91e1d5), FMCP__EC_W(0x068bf36332619ad5), FMCP__EC_W(0x4946291f27976c74) } },
    { { FMCP__EC_W(0xa081a9462068e4b0), FMCP__EC_W(0x1a8f5df609bfdad0), FMCP__EC_W(0x5fbba5bcef28dd35),
        FMCP__EC_W(0xa3e60d4f031ff71e), FMCP__EC_W(0x2d47689b702ca18e), FMCP__EC_W(0xd283f247c9b8e66b) },
      { FMCP__EC_W(0x63e65dd7859ea140), FMCP__EC_W(0x123da61f42aacdc3), FMCP__EC_W(0xa8a9e893336f680c),
        FMCP__EC_W(0x1cc4e12ac23d43ac), FMCP__EC_W(0x421e80d586a1fff8), FMCP__EC_W(0x833d60d543deecc9) } },
    { { FMCP__EC_W(0x3c25b57c29014f8f), FMCP__EC_W(0xa19fcb1e35d8e122), FMCP__EC_W(0x916c0e3ceda32ac8),
        FMCP__EC_W(0x9a23d289f36b6096), FMCP__EC_W(0x5099038439a39871), FMCP__EC_W(0xdc5b77b661c64196) },
      { FMCP__EC_W(0x5a7d9917942bf2b6), FMCP__EC_W(0xd21853934f41cf6d), FMCP__EC_W(0x90ff1016fcc45c2f),
        FMCP__EC_W(0x9891093deb8938aa), FMCP__EC_W(0xe3c49b1baac4e6e9), FMCP__EC_W(0x0f21a1d1d7a8e91e) } },
    { { FMCP__EC_W(0x3a808e336f364b7e), FMCP__EC_W(0x6a96d1b8bfa17359), FMCP__EC_W(0x3387ec8552b36545),
        FMCP__EC_W(0x2fde350af712180c), FMCP__EC_W(0x9219d6f4703a2183), FMCP__EC_W(0x8ba27e0086457946) },
      { FMCP__EC_W(0x7446bca0ed80a9af), FMCP__EC_W(0xbaf78b6f7203637a), FMCP__EC_W(0x0304129d497c9d0f),
        FMCP__EC_W(0x6df1e0356a883b68), FMCP__EC_W(0x93ea2bb5e8018c47), FMCP__EC_W(0xc86fd77cdb46443c) } },
    { { FMCP__EC_W(0x8de865d255dc2427), FMCP__EC_W(0x74f7f83d6f72d126), FMCP__EC_W(0xee1111786c7e665a),
        FMCP__EC_W(0x272a8b3dddf44f12), FMCP__EC_W(0xad3546449164eb4f), FMCP__EC_W(0x2ffbdb586859d68f) },
      { FMCP__EC_W(0xbefd36c509701865), FMCP__EC_W(0x63c256162c983d01), FMCP__EC_W(0x15a7ba0b2eb68703),
        FMCP__EC_W(0x3318a82b5bb0fafc), FMCP__EC_W(0x8e930fa9a0804f38), FMCP__EC_W(0xb7459eb6be60ed1d) } },
    { { FMCP__EC_W(0xace01c514260b948), FMCP__EC_W(0x04a6080f49210f78), FMCP__EC_W(0x0d1eef6b2241b00d),
        FMCP__EC_W(0x85a25069ef63912a), FMCP__EC_W(0xcc96c4ec13dd8bc2), FMCP__EC_W(0x90f14d1140d7e234) },
      { FMCP__EC_W(0xae33f18ca69c8dc3), FMCP__EC_W(0x76921f2a9adfa431), FMCP__EC_W(0x18158ccf048c9f49),
        FMCP__EC_W(0x90bcf7fbfb8fb345), FMCP__EC_W(0x0d50b4dc38b3ff5d), FMCP__EC_W(0x3914ea0b59ef84a8) } },
    { { FMCP__EC_W(0x4929d3f9d4e37cf3), FMCP__EC_W(0x622183d1b24c24c0), FMCP__EC_W(0x65cec0675f904d34),
        FMCP__EC_W(0x65f9931a8a6f76fa), FMCP__EC_W(0xeed975b0e73282f2), FMCP__EC_W(0xa045552a5e1625fd) },
      { FMCP__EC_W(0xfd6b3e02f8fe8e42), FMCP__EC_W(0x5f9f40256203907c), FMCP__EC_W(0x8307eedb42b2c264),
        FMCP__EC_W(0x2fb3ee719f757e92), FMCP__EC_W(0x4502f2ecdc157ea8), FMCP__EC_W(0xd976e7755d1cc0d5) } },
    { { FMCP__EC_W(0xe46fb9a28fe1946e), FMCP__EC_W(0xe91df3ed63bdde6e), FMCP__EC_W(0x2e995306e9c28432),
        FMCP__EC_W(0x7b3a6fe10988235b), FMCP__EC_W(0xc55199f077f92a71), FMCP__EC_W(0x47dd034853cb7950) },
      { FMCP__EC_W(0xead52de2b727a6d1), FMCP__EC_W(0xb87c9f75eea9c8da), FMCP__EC_W(0xf3e2f3280d944f21),
        FMCP__EC_W(0xce82734edd751edd), FMCP__EC_W(0xfb83225ce616cedc), FMCP__EC_W(0x15850e4b4a31eb49) } },
    { { FMCP__EC_W(0x92c4b6d50196ad3a), FMCP__EC_W(0x0205ea484e1205e4), FMCP__EC_W(0x8e08a97c0afc5aff),
        FMCP__EC_W(0xda8687c6727827eb), FMCP__EC_W(0x2eace83106e398aa), FMCP__EC_W(0x3a086c0f6d69e4e8) },
      { FMCP__EC_W(0x5ff9b7aaf286e62a), FMCP__EC_W(0xc428503962aae55e), FMCP__EC_W(0x4ebd4258d9530a3f),
        FMCP__EC_W(0x57ea313a8afc7fcb), FMCP__EC_W(0x6d30a67522c18879), FMCP__EC_W(0xd3c00cc994afb659) } },
    { { FMCP__EC_W(0x53ee47c5dee0d48b), FMCP__EC_W(0xbd9e84ad9dfa2397), FMCP__EC_W(0x2d581e12f81ba5e2),
        FMCP__EC_W(0x26269f4f132cd325), FMCP__EC_W(0x9e6224df58860a5f), FMCP__EC_W(0x9306c607ff55522a) },
      { FMCP__EC_W(0xb48af6d4146950e5), FMCP__EC_W(0x09920ed00436805e), FMCP__EC_W(0x3a1bc276cdce7eae),
        FMCP__EC_W(0x55ba728ac39a425e), FMCP__EC_W(0x6a04d4e6d961d03e), FMCP__EC_W(0x13891c66736e684a) } },
    { { FMCP__EC_W(0x7c75175a04cd04d6), FMCP__EC_W(0xb76f9bd909c27a17), FMCP__EC_W(0xa0cff6d408e5fe36),
        FMCP__EC_W(0xc9097695dcd5ef90), FMCP__EC_W(0x26bea24585e28054), FMCP__EC_W(0x658e03c61580f068) },
      { FMCP__EC_W(0x0da9f75e811eed27), FMCP__EC_W(0x086e5e04aca0d2ee), FMCP__EC_W(0xd4c157faa53a6787),
        FMCP__EC_W(0x2e9266d2b40a595c), FMCP__EC_W(0x8f1cb52698fa0820), FMCP__EC_W(0x32a74240a1aef514) } },
    { { FMCP__EC_W(0xeb42e3d91ae86e7c), FMCP__EC_W(0xd6956c8ce04a5026), FMCP__EC_W(0x4c0b8b980f4302eb),
        FMCP__EC_W(0xde43c938b37211fd), FMCP__EC_W(0x9fa6a158e7090f80), FMCP__EC_W(0x5f3c9afc73c47fb6) },
      { FMCP__EC_W(0x2dc4f109f850a4d0), FMCP__EC_W(0x56e63a4b6fd49d6a), FMCP__EC_W(0x8e80a0694cbff048),
        FMCP__EC_W(0x18d8b8cf2284afb0), FMCP__EC_W(0x61dd086dc89363a1), FMCP__EC_W(0x034c2202c37342a4) } },
    { { FMCP__EC_W(0x1ae0c4e11c718580), FMCP__EC_W(0x303f48a6bf99a0bf), FMCP__EC_W(0xa5551e4491ae219f),
        FMCP__EC_W(0xdc41d9bd55a05287), FMCP__EC_W(0xd5aa73e36872b123), FMCP__EC_W(0x6fd94b0ce6395bf6) },
      { FMCP__EC_W(0xbb95fdbac00afbc1), FMCP__EC_W(0x9cd96208497cac10), FMCP__EC_W(0x8adbd8c1ca51afea),
        FMCP__EC_W(0x94fedafbf3bc5f5f), FMCP__EC_W(0x29c0217bdf9f5371), FMCP__EC_W(0x5c13eb4bd9024634) } },
};


/* Verification multiplies G by a public scalar with a width-7 NAF, adding
 * affine points from this fixed table (no per-call precomputation). */
#define FMCP__EC_GW 7
#define FMCP__EC_GTAB (1 << (FMCP__EC_GW - 2))

/* P-256: (2i + 1) G for i = 0..31, affine, Montgomery form (generated) */
static const fmcp__ec_limb fmcp__ec_p256_gtab[32][2][FMCP__EC_N256] = {
    { { FMCP__EC_W(0x79e730d418a9143c), FMCP__EC_W(0x75ba95fc5fedb601), FMCP__EC_W(0x79fb732b77622510),
        FMCP__EC_W(0x18905f76a53755c6) },
      { FMCP__EC_W(0xddf25357ce95560a), FMCP__EC_W(0x8b4ab8e4ba19e45c), FMCP__EC_W(0xd2e88688dd21f325),
        FMCP__EC_W(0x8571ff1825885d85) } },
    { { FMCP__EC_W(0xffac3f904eebc127), FMCP__EC_W(0xb027f84a087d81fb), FMCP__EC_W(0x66ad77dd87cbbc98),
        FMCP__EC_W(0x26936a3fb6ff747e) },
      { FMCP__EC_W(0xb04c5c1fc983a7eb), FMCP__EC_W(0x583e47ad0861fe1a), FMCP__EC_W(0x788208311a2ee98e),
        FMCP__EC_W(0xd5f06a29e587cc07) } },
    { { FMCP__EC_W(0xbe1b8aaec45c61f5), FMCP__EC_W(0x90ec649a94b9537d), FMCP__EC_W(0x941cb5aad076c20c),
        FMCP__EC_W(0xc9079605890523c8) },
      { FMCP__EC_W(0xeb309b4ae7ba4f10), FMCP__EC_W(0x73c568efe5eb882b), FMCP__EC_W(0x3540a9877e7a1f68),
        FMCP__EC_W(0x73a076bb2dd1e916) } },
    { { FMCP__EC_W(0x0746354ea0173b4f), FMCP__EC_W(0x2bd20213d23c00f7), FMCP__EC_W(0xf43eaab50c23bb08),
        FMCP__EC_W(0x13ba5119c3123e03) },
      { FMCP__EC_W(0x2847d0303f5b9d4d), FMCP__EC_W(0x6742f2f25da67bdd), FMCP__EC_W(0xef933bdc77c94195),
        FMCP__EC_W(0xeaedd9156e240867) } },
    { { FMCP__EC_W(0x75c96e8f264e20e8), FMCP__EC_W(0xabe6bfed59a7a841), FMCP__EC_W(0x2cc09c0444c8eb00),
        FMCP__EC_W(0xe05b3080f0c4e16b) },
      { FMCP__EC_W(0x1eb7777aa45f3314), FMCP__EC_W(0x56af7bedce5d45e3), FMCP__EC_W(0x2b6e019a88b12f1a),
        FMCP__EC_W(0x086659cdfd835f9b) } },
    { { FMCP__EC_W(0xea7d260a6245e404), FMCP__EC_W(0x9de407956e7fdfe0), FMCP__EC_W(0x1ff3a4158dac1ab5),
        FMCP__EC_W(0x3e7090f1649c9073) },
      { FMCP__EC_W(0x1a7685612b944e88), FMCP__EC_W(0x250f939ee57f61c8), FMCP__EC_W(0x0c0daa891ead643d),
        FMCP__EC_W(0x68930023e125b88e) } },
    { { FMCP__EC_W(0xccc425634b2ed709), FMCP__EC_W(0x0e356769856fd30d), FMCP__EC_W(0xbcbcd43f559e9811),
        FMCP__EC_W(0x738477ac5395b759) },
      { FMCP__EC_W(0x35752b90c00ee17f), FMCP__EC_W(0x68748390742ed2e3), FMCP__EC_W(0x7cd06422bd1f5bc1),
        FMCP__EC_W(0xfbc08769c9e7b797) } },
    { { FMCP__EC_W(0x72bcd8b7bc60055b), FMCP__EC_W(0x03cc23ee56e27e4b), FMCP__EC_W(0xee337424e4819370),
        FMCP__EC_W(0xe2aa0e430ad3da09) },
      { FMCP__EC_W(0x40b8524f6383c45d), FMCP__EC_W(0xd766355442a41b25), FMCP__EC_W(0x64efa6de778a4797),
        FMCP__EC_W(0x2042170a7079adf4) } },
    { { FMCP__EC_W(0x97091dcbd53c5c9d), FMCP__EC_W(0xf17624b6ac0a177b), FMCP__EC_W(0xb0f139752cfe2dff),
        FMCP__EC_W(0xc1a35c0a6c7a574e) },
      { FMCP__EC_W(0x227d314693e79987), FMCP__EC_W(0x0575bf30e89cb80e), FMCP__EC_W(0x2f4e247f0d1883bb),
        FMCP__EC_W(0xebd512263274c3d0) } },
    { { FMCP__EC_W(0xfea912baa5659ae8), FMCP__EC_W(0x68363aba25e1a16e), FMCP__EC_W(0xb8842277752c41ac),
        FMCP__EC_W(0xfe545c282897c3fc) },
      { FMCP__EC_W(0x2d36e9e7dc4c696b), FMCP__EC_W(0x5806244afba977c5), FMCP__EC_W(0x85665e9be39508c1),
        FMCP__EC_W(0xf720ee256d12597b) } },
    { { FMCP__EC_W(0x562e4cecc135b208), FMCP__EC_W(0x74e1b2654783f47d), FMCP__EC_W(0x6d2a506c5a3f3b30),
        FMCP__EC_W(0xecead9f4c16762fc) },
      { FMCP__EC_W(0xf29dd4b2e286e5b9), FMCP__EC_W(0x1b0fadc083bb3c61), FMCP__EC_W(0x7a75023e7fac29a4),
        FMCP__EC_W(0xc086d5f1c9477fa3) } },
    { { FMCP__EC_W(0xf4f876532de45068), FMCP__EC_W(0x37c7a7e89e2e1f6e), FMCP__EC_W(0xd0825fa2a3584069),
        FMCP__EC_W(0xaf2cea7c1727bf42) },
      { FMCP__EC_W(0x0360a4fb9e4785a9), FMCP__EC_W(0xe5fda49c27299f4a), FMCP__EC_W(0x48068e1371ac2f71),
        FMCP__EC_W(0x83d0687b9077666f) } },
    { { FMCP__EC_W(0xa4a319acd837879f), FMCP__EC_W(0x6fc1b49eed6b67b0), FMCP__EC_W(0xe395993332f1f3af),
        FMCP__EC_W(0x966742eb65432a2e) },
      { FMCP__EC_W(0x4b8dc9feb4966228), FMCP__EC_W(0x96cc631243f43950), FMCP__EC_W(0x12068859c9b731ee),
        FMCP__EC_W(0x7b948dc356f79968) } },
    { { FMCP__EC_W(0x042c2af497e2feb4), FMCP__EC_W(0xd36a42d7aebf7313), FMCP__EC_W(0x49d2c9eb084ffdd7),
        FMCP__EC_W(0x9f8aa54b2ef7c76a) },
      { FMCP__EC_W(0x9200b7ba09895e70), FMCP__EC_W(0x3bd0c66fddb7fb58), FMCP__EC_W(0x2d97d10878eb4cbb),
        FMCP__EC_W(0x2d431068d84bde31) } },
    { { FMCP__EC_W(0x5e5db46acb66e132), FMCP__EC_W(0xf1be963a0d925880), FMCP__EC_W(0x944a70270317b9e2),
        FMCP__EC_W(0xe266f95948603d48) },
      { FMCP__EC_W(0x98db66735c208899), FMCP__EC_W(0x90472447a2fb18a3), FMCP__EC_W(0x8a966939777c619f),
        FMCP__EC_W(0x3798142a2a3be21b) } },
    { { FMCP__EC_W(0xe2f73c696755ff89), FMCP__EC_W(0xdd3cf7e7473017e6), FMCP__EC_W(0x8ef5689d3cf7600d),
        FMCP__EC_W(0x948dc4f8b1fc87b4) },
      { FMCP__EC_W(0xd9e9fe814ea53299), FMCP__EC_W(0x2d921ca298eb6028), FMCP__EC_W(0xfaecedfd0c9803fc),
        FMCP__EC_W(0xf38ae8914d7b4745) } },
    { { FMCP__EC_W(0x871514560f664534), FMCP__EC_W(0x85ceae7c4b68f103), FMCP__EC_W(0xac09c4ae65578ab9),
        FMCP__EC_W(0x33ec6868f044b10c) },
      { FMCP__EC_W(0x6ac4832b3a8ec1f1), FMCP__EC_W(0x5509d1285847d5ef), FMCP__EC_W(0xf909604f763f1574),
        FMCP__EC_W(0xb16c4303c32f63c4) } },
    { { FMCP__EC_W(0xfd16847fdec67ef5), FMCP__EC_W(0x742ee464233e76b7), FMCP__EC_W(0x0b8e4134efc2b4c8),
        FMCP__EC_W(0xca640b8642a3e521) },
      { FMCP__EC_W(0x653a01908ceb6aa9), FMCP__EC_W(0x313c300c547852d5), FMCP__EC_W(0x24e4ab126b237af7),
        FMCP__EC_W(0x2ba901628bb47af8) } },
    { { FMCP__EC_W(0x00467bc58cce08b5), FMCP__EC_W(0xb636458c7f178d55), FMCP__EC_W(0xc5748baea677d806),
        FMCP__EC_W(0x2763a387dfa394eb) },
      { FMCP__EC_W(0xa12b448a7d3cebb6), FMCP__EC_W(0xe7adda3e6f20d850), FMCP__EC_W(0xf63ebce51558462c),
        FMCP__EC_W(0x58b36143620088a8) } },
    { { FMCP__EC_W(0xa9d89488a059c142), FMCP__EC_W(0x6f5ae714ff0b9346), FMCP__EC_W(0x068f237d16fb3664),
        FMCP__EC_W(0x5853e4c4363186ac) },
      { FMCP__EC_W(0xe2d87d2363c52f98), FMCP__EC_W(0x2ec4a76681828876), FMCP__EC_W(0x47b864fae14e7b1c),
        FMCP__EC_W(0x0c0bc0e569192408) } },
    { { FMCP__EC_W(0x624d60492ed22e91), FMCP__EC_W(0x6fdfe0b56f072822), FMCP__EC_W(0xeeca111539ce2271),
        FMCP__EC_W(0x98100a4fdb01614f) },
      { FMCP__EC_W(0xb6b0daa2a35c628f), FMCP__EC_W(0xb6f94d2ec87e9a47), FMCP__EC_W(0xc67732591d57d9ce),
        FMCP__EC_W(0xf70bfeec03884a7b) } },
    { { FMCP__EC_W(0x4ff23ffd248a7d06), FMCP__EC_W(0x80c5bfb4878873fa), FMCP__EC_W(0xb7d9ad9005745981),
        FMCP__EC_W(0x179c85db3db01994) },
      { FMCP__EC_W(0xba41b06261a6966c), FMCP__EC_W(0x4d82d052eadce5a8), FMCP__EC_W(0x9e91cd3ba5e6a318),
        FMCP__EC_W(0x47795f4f95b2dda0) } },
    { { FMCP__EC_W(0x1ee426ccd5cd79bf), FMCP__EC_W(0x0032940b946c6e18), FMCP__EC_W(0x1b1e8ae057477f58),
        FMCP__EC_W(0xe94f7d346d823278) },
      { FMCP__EC_W(0xc747cb96782ba21a), FMCP__EC_W(0xc5254469f72b33a5), FMCP__EC_W(0x772ef6dec7f80c81),
        FMCP__EC_W(0xd73acbfe2cd9e6b5) } },
    { { FMCP__EC_W(0x283c7513caa76097), FMCP__EC_W(0x0a624fa936c83906), FMCP__EC_W(0x6b20afec715af2c7),
        FMCP__EC_W(0x4b969974eba78bfd) },
      { FMCP__EC_W(0x220755ccd921d60e), FMCP__EC_W(0x9b944e107baeca13), FMCP__EC_W(0x04819d515ded93d4),
        FMCP__EC_W(0x9bbff86e6dddfd27) } },
    { { FMCP__EC_W(0x21950b421ff6acd3), FMCP__EC_W(0xffe7048453dc6909), FMCP__EC_W(0xff4cd0b228766127),
        FMCP__EC_W(0xabdbe6084fb7db2b) },
      { FMCP__EC_W(0x837c92285e1109e8), FMCP__EC_W(0x26147d27f4645b5a), FMCP__EC_W(0x4d78f592f7818ed8),
        FMCP__EC_W(0xd394077ef247fa36) } },
    { { FMCP__EC_W(0x508cec1c3b3f64c9), FMCP__EC_W(0xe20bc0ba1e5edf3f), FMCP__EC_W(0xda1deb852f4318d4),
        FMCP__EC_W(0xd20ebe0d5c3fa443) },
      { FMCP__EC_W(0x370b4ea773241ea3), FMCP__EC_W(0x61f1511c5e1a5f65), FMCP__EC_W(0x99a5e23d82681c62),
        FMCP__EC_W(0xd731e383a2f54c2d) } },
    { { FMCP__EC_W(0x97359638546c4d8d), FMCP__EC_W(0x5f9c3fc492f24679), FMCP__EC_W(0x912e8beda8c8acd9),
        FMCP__EC_W(0xec3a318d306634b0) },
      { FMCP__EC_W(0x80167f41c31cb264), FMCP__EC_W(0x3db82f6f522113f2), FMCP__EC_W(0xb155bcd2dcafe197),
        FMCP__EC_W(0xfba1da5943465283) } },
    { { FMCP__EC_W(0x258bbbf9e7305683), FMCP__EC_W(0x31eea5bf07ef5be6), FMCP__EC_W(0x0deb0e4a46c814c1),
        FMCP__EC_W(0x5cee8449a7b730dd) },
      { FMCP__EC_W(0xeab495c5a0182bde), FMCP__EC_W(0xee759f879e27a6b4), FMCP__EC_W(0xc2cf6a6880e518ca),
        FMCP__EC_W(0x25e8013ff14cf3f4) } },
    { { FMCP__EC_W(0x3ec832e77acaca28), FMCP__EC_W(0x1bfeea57c7385b29), FMCP__EC_W(0x068212e3fd1eaf38),
        FMCP__EC_W(0xc13298306acf8ccc) },
      { FMCP__EC_W(0xb909f2db2aac9e59), FMCP__EC_W(0x5748060db661782a), FMCP__EC_W(0xc5ab2632c79b7a01),
        FMCP__EC_W(0xda44c6c600017626) } },
    { { FMCP__EC_W(0x69d44ed65c46aa8e), FMCP__EC_W(0x2100d5d3a8d063d1), FMCP__EC_W(0xcb9727eaa2d17c36),
        FMCP__EC_W(0x4c2bab1b8add53b7) },
      { FMCP__EC_W(0xa084e90c15426704), FMCP__EC_W(0x778afcd3a837ebea), FMCP__EC_W(0x6651f7017ce477f8),
        FMCP__EC_W(0xa062499846fb7a8b) } },
    { { FMCP__EC_W(0x3667eb1a7f4c04cc), FMCP__EC_W(0x59556621a9404f84), FMCP__EC_W(0x71cdf6537eceb50a),
        FMCP__EC_W(0x994a44a69b8335fa) },
      { FMCP__EC_W(0xd7faf819dbeb9b69), FMCP__EC_W(0x473c5680eed4350d), FMCP__EC_W(0xb6658466da44bba2),
        FMCP__EC_W(0x0d1bc780872bdbf3) } },
    { { FMCP__EC_W(0xb8d3d9319ff91fe5), FMCP__EC_W(0x039c4800f0518eed), FMCP__EC_W(0x95c376329182cb26),
        FMCP__EC_W(0x0763a43482fc568d) },
      { FMCP__EC_W(0x707c04d5383e76ba), FMCP__EC_W(0xac98b930824e8197), FMCP__EC_W(0x92bf7c8f91230de0),
        FMCP__EC_W(0x90876a0140959b70) } },
};
/* P-384: (2i + 1) G for i = 0..31, affine, Montgomery form (generated) */
static const fmcp__ec_limb fmcp__ec_p384_gtab[32][2][FMCP__EC_N384] = {
    { { FMCP__EC_W(0x3dd0756649c0b528), FMCP__EC_W(0x20e378e2a0d6ce38), FMCP__EC_W(0x879c3afc541b4d6e),
        FMCP__EC_W(0x6454868459a30eff), FMCP__EC_W(0x812ff723614ede2b), FMCP__EC_W(0x4d3aadc2299e1513) },
      { FMCP__EC_W(0x23043dad4b03a4fe), FMCP__EC_W(0xa1bfa8bf7bb4a9ac), FMCP__EC_W(0x8bade7562e83b050),
        FMCP__EC_W(0xc6c3521968f4ffd9), FMCP__EC_W(0xdd8002263969a840), FMCP__EC_W(0x2b78abc25a15c5e9) } },
    { { FMCP__EC_W(0x05e4dbe6c1dc4073), FMCP__EC_W(0xc54ea9fff04f779c), FMCP__EC_W(0x6b2034e9a170ccf0),
        FMCP__EC_W(0x3a48d732d51c6c3e), FMCP__EC_W(0xe36f7e2d263aa470), FMCP__EC_W(0xd283fe68e7c1c3ac) },
      { FMCP__EC_W(0x7e284821c04ee157), FMCP__EC_W(0x92d789a77ae0e36d), FMCP__EC_W(0x132663c04ef67446),
        FMCP__EC_W(0x68012d5ad2e1d0b4), FMCP__EC_W(0xf6db68b15102b339), FMCP__EC_W(0x465465fc983292af) } },
    { { FMCP__EC_W(0xbb595eba68f1f0df), FMCP__EC_W(0xc185c0cbcc873466), FMCP__EC_W(0x7f1eb1b5293c703b),
        FMCP__EC_W(0x60db2cf5aacc05e6), FMCP__EC_W(0xc676b987e2e8e4c6), FMCP__EC_W(0xe1bb26b11d178ffb) },
      { FMCP__EC_W(0x2b694ba07073fa21), FMCP__EC_W(0x22c16e2e72f34566), FMCP__EC_W(0x80b61b3101c35b99),
        FMCP__EC_W(0x4b237faf982c0411), FMCP__EC_W(0xe6c5944024de236d), FMCP__EC_W(0x4db1c9d6e209e4a3) } },
    { { FMCP__EC_W(0xdf13b9d17d69222b), FMCP__EC_W(0x4ce6415f874774b1), FMCP__EC_W(0x731edcf8211faa95),
        FMCP__EC_W(0x5f4215d1659753ed), FMCP__EC_W(0xf893db589db2df55), FMCP__EC_W(0x932c9f811c89025b) },
      { FMCP__EC_W(0x0996b2207706a61e), FMCP__EC_W(0x135349d5a8641c79), FMCP__EC_W(0x65aad76f50130844),
        FMCP__EC_W(0x0ff37c0401fff780), FMCP__EC_W(0xf57f238e693b0706), FMCP__EC_W(0xd90a16b6af6c9b3e) } },
    { { FMCP__EC_W(0x2f5d200e2353b92f), FMCP__EC_W(0xe35d87293fd7e4f9), FMCP__EC_W(0x26094833a96d745d),
        FMCP__EC_W(0xdc351dc13cbfff3f), FMCP__EC_W(0x26d464c6dad54d6a), FMCP__EC_W(0x5cab1d1d53636c6a) },
      { FMCP__EC_W(0xf2813072b18ec0b0), FMCP__EC_W(0x3777e270d742aa2f), FMCP__EC_W(0x27f061c7033ca7c2),
        FMCP__EC_W(0xa6ecaccc68ead0d8), FMCP__EC_W(0x7d9429f4ee69a754), FMCP__EC_W(0xe770633431e8f5c6) } },
    { { FMCP__EC_W(0xc7708b19b68b8c7d), FMCP__EC_W(0x4532077c44377aba), FMCP__EC_W(0x0dcc67706cdad64f),
        FMCP__EC_W(0x01b8bf56147b6602), FMCP__EC_W(0xf8d89885f0561d79), FMCP__EC_W(0x9c19e9fc7ba9c437) },
      { FMCP__EC_W(0x764eb146bdc4ba25), FMCP__EC_W(0x604fe46bac144b83), FMCP__EC_W(0x3ce813298a77e780),
        FMCP__EC_W(0x2e070f36fe9e682e), FMCP__EC_W(0x41821d0c3a53287a), FMCP__EC_W(0x9aa62f9f3533f918) } },
    { { FMCP__EC_W(0x9b7aeb7e75ccbdfb), FMCP__EC_W(0xb25e28c5f6749a95), FMCP__EC_W(0x8a7a8e4633b7d4ae),
        FMCP__EC_W(0xdb5203a8d9c1bd56), FMCP__EC_W(0xd2657265ed22df97), FMCP__EC_W(0xb51c56e18cf23c94) },
      { FMCP__EC_W(0xf4d394596c3d812d), FMCP__EC_W(0xd8e88f1a87cae0c2), FMCP__EC_W(0x789a2a48cf4d0fe3),
        FMCP__EC_W(0xb7feac2dfec38d60), FMCP__EC_W(0x81fdbd1c3b490ec3), FMCP__EC_W(0x4617adb7cc6979e1) } },
    { { FMCP__EC_W(0x446ad8884709f4a9), FMCP__EC_W(0x2b7210e2ec3dabd8), FMCP__EC_W(0x83ccf19550e07b34),
        FMCP__EC_W(0x59500917789b3075), FMCP__EC_W(0x0fc01fd4eb085993), FMCP__EC_W(0xfb62d26f4903026b) },
      { FMCP__EC_W(0x2309cc9d6fe989bb), FMCP__EC_W(0x61609cbd144bd586), FMCP__EC_W(0x4b23d3a0de06610c),
        FMCP__EC_W(0xdddc2866d898f470), FMCP__EC_W(0x8733fc41400c5797), FMCP__EC_W(0x5a68c6fed0bc2716) } },
    { { FMCP__EC_W(0x8903e1304b4a3cd0), FMCP__EC_W(0x3ea4ea4c8ff1f43e), FMCP__EC_W(0xe6fc3f2af655a10d),
        FMCP__EC_W(0x7be3737d524ffefc), FMCP__EC_W(0x9f6928555330455e), FMCP__EC_W(0x524f166ee475ce70) },
      { FMCP__EC_W(0x3fcc69cd6c12f055), FMCP__EC_W(0x4e23b6ffd5b9c0da), FMCP__EC_W(0x49ce6993336bf183),
        FMCP__EC_W(0xf87d6d854a54504a), FMCP__EC_W(0x25eb5df1b3c2677a), FMCP__EC_W(0xac37986f55b164c9) } },
    { { FMCP__EC_W(0x82a2ed4abaa84c08), FMCP__EC_W(0x22c4cc5f41a8c912), FMCP__EC_W(0xca109c3b154aad5e),
        FMCP__EC_W(0x23891298fc38538e), FMCP__EC_W(0xb3b6639c539802ae), FMCP__EC_W(0xfa0f1f450390d706) },
      { FMCP__EC_W(0x46b78e5db0dc21d0), FMCP__EC_W(0xa8c72d3cc3da2eac), FMCP__EC_W(0x9170b3786ff2f643),
        FMCP__EC_W(0x3f5a799bb67f30c3), FMCP__EC_W(0x15d1dc778264b672), FMCP__EC_W(0xa1d47b23e9577764) } },
    { { FMCP__EC_W(0x08265e510422ce2f), FMCP__EC_W(0x88e0d496dd2f9e21), FMCP__EC_W(0x30128aa06177f75d),
        FMCP__EC_W(0x2e59ab62bd9ebe69), FMCP__EC_W(0x1b1a0f6c5df0e537), FMCP__EC_W(0xab16c626dac012b5) },
      { FMCP__EC_W(0x8014214b008c5de7), FMCP__EC_W(0xaa740a9e38f17bea), FMCP__EC_W(0x262ebb498a149098),
        FMCP__EC_W(0xb454111e8527cd59), FMCP__EC_W(0x266ad15aacea5817), FMCP__EC_W(0x21824f411353ccba) } },
    { { FMCP__EC_W(0xd1b4e74d12e3683b), FMCP__EC_W(0x990ed20b569b8ef6), FMCP__EC_W(0xb9d3dd25429c0a18),
        FMCP__EC_W(0x1c75b8ab2a351783), FMCP__EC_W(0x61e4ca2b905432f0), FMCP__EC_W(0x80826a69eea8f224) },
      { FMCP__EC_W(0x7fc33a6bec52abad), FMCP__EC_W(0x0bcca3f0a65e4813), FMCP__EC_W(0x7ad8a132a527cebe),
        FMCP__EC_W(0xf0138950eaf22c7e), FMCP__EC_W(0x282d2437566718c1), FMCP__EC_W(0x9dfccb0de2212559) } },
    { { FMCP__EC_W(0x1e93722758ce3b83), FMCP__EC_W(0xbb280dfa3cb3fb36), FMCP__EC_W(0x57d0f3d2e2be174a),
        FMCP__EC_W(0x9bd51b99208abe1e), FMCP__EC_W(0x3809ab50de248024), FMCP__EC_W(0xc29c6e2ca5bb7331) },
      { FMCP__EC_W(0x9944fd2e61124f05), FMCP__EC_W(0x83ccbc4e9009e391), FMCP__EC_W(0x01628f059424a3cc),
        FMCP__EC_W(0xd6a2f51dea8e4344), FMCP__EC_W(0xda3e1a3d4cebc96e), FMCP__EC_W(0x1fe6fb42e97809dc) } },
    { { FMCP__EC_W(0xa04482d2467d66e4), FMCP__EC_W(0xcf1912934d78291d), FMCP__EC_W(0x8e0d4168482396f9),
        FMCP__EC_W(0x7228e2d5d18f14d0), FMCP__EC_W(0x2f7e8d509c6a58fe), FMCP__EC_W(0xe8ca780e373e5aec) },
      { FMCP__EC_W(0x42aad1d61b68e9f8), FMCP__EC_W(0x58a6d7f569e2f8f4), FMCP__EC_W(0xd779adfe31da1bea),
        FMCP__EC_W(0x7d26540638c85a85), FMCP__EC_W(0x67e67195d44d3cdf), FMCP__EC_W(0x17820a0bc5134ed7) } },
    { { FMCP__EC_W(0x019d6ac5d3021470), FMCP__EC_W(0x25846b66780443d6), FMCP__EC_W(0xce3c15ed55c97647),
        FMCP__EC_W(0x3dc22d490e3feb0f), FMCP__EC_W(0x2065b7cba7df26e4), FMCP__EC_W(0xc8b00ae8187cea1f) },
      { FMCP__EC_W(0x1a5284a0865dded3), FMCP__EC_W(0x293c164920c83de2), FMCP__EC_W(0xab178d26cce851b3),
        FMCP__EC_W(0x8e6db10b404505fb), FMCP__EC_W(0xf6f57e7190c82033), FMCP__EC_W(0x1d2a1c015977f16c) } },
    { { FMCP__EC_W(0xa39c89317c8906a4), FMCP__EC_W(0xb6e7ecdd9e821ee6), FMCP__EC_W(0x2ecf8340f0df4fe6),
        FMCP__EC_W(0xd42f7dc953c14965), FMCP__EC_W(0x1afb51a3e3ba8285), FMCP__EC_W(0x6c07c4040a3305d1) },
      { FMCP__EC_W(0xdab83288127fc1da), FMCP__EC_W(0xbc0a699b374c4b08), FMCP__EC_W(0x402a9bab42eb20dd),
        FMCP__EC_W(0xd7dd464f045a7a1c), FMCP__EC_W(0x5b3d0d6d36beecc4), FMCP__EC_W(0x475a3e756398a19d) } },
    { { FMCP__EC_W(0x61333a382fb3ba63), FMCP__EC_W(0xdf330d9d5b943c86), FMCP__EC_W(0xbbc7c7ee955ef3af),
        FMCP__EC_W(0xda631fc160f09efb), FMCP__EC_W(0x68af622641d5c400), FMCP__EC_W(0xcc9e97a46c833e9d) },
      { FMCP__EC_W(0x7fd73e8e3a625e76), FMCP__EC_W(0x13bf6124c209e55e), FMCP__EC_W(0x08467cea48b90b91),
        FMCP__EC_W(0x8a416eb9bb6f0aba), FMCP__EC_W(0x6fcc93a1b8c31072), FMCP__EC_W(0xa7fd2b619057dad7) } },
    { { FMCP__EC_W(0x58a5b5433720ec9b), FMCP__EC_W(0xbb3800d52d7c2fb4), FMCP__EC_W(0x4a508620dde6bd0a),
        FMCP__EC_W(0x65f16273a02583fd), FMCP__EC_W(0x832bd8e34fc78523), FMCP__EC_W(0xd6149f75e9417bc6) },
      { FMCP__EC_W(0xfeb026e93deeb52a), FMCP__EC_W(0x0ce18088a55e0956), FMCP__EC_W(0x50018998988092a2),
        FMCP__EC_W(0x22f19fab28f35eee), FMCP__EC_W(0xac8a877f52ccd35c), FMCP__EC_W(0xb13a8ad830e23f26) } },
    { { FMCP__EC_W(0x0202d57de44f61a3), FMCP__EC_W(0x4027704bb5630ef2), FMCP__EC_W(0xa129e2dff5b54a5d),
        FMCP__EC_W(0xacb60a7597482b86), FMCP__EC_W(0x9261ede87ef27114), FMCP__EC_W(0x1eba28f3defc58b5) },
      { FMCP__EC_W(0x6c91c0c98be5589e), FMCP__EC_W(0x2f1643d514594bee), FMCP__EC_W(0x2ea912435d2ca034),
        FMCP__EC_W(0xb50649a894047d1f), FMCP__EC_W(0x284fcbb5638ca337), FMCP__EC_W(0xfa0e07b7fe85bf85) } },
    { { FMCP__EC_W(0x7d894f80506e0e42), FMCP__EC_W(0xd984244a8e3d2c46), FMCP__EC_W(0x6d7edf642b7f006f),
        FMCP__EC_W(0x36a1cd6dde9b6230), FMCP__EC_W(0xc9985040b76c0665), FMCP__EC_W(0x587df4d6b89b1fc2) },
      { FMCP__EC_W(0x4c0638476a71ae7a), FMCP__EC_W(0x7b2b0ab3e8294747), FMCP__EC_W(0x345c553ab53153b8),
        FMCP__EC_W(0xb646e453436d9fe2), FMCP__EC_W(0x1a95355f1cd60340), FMCP__EC_W(0x2d7bc128074968fb) } },
    { { FMCP__EC_W(0xad148e87bca6d14c), FMCP__EC_W(0x41dfd24d456a201e), FMCP__EC_W(0x73a82933a80d68f3),
        FMCP__EC_W(0x89746c8d852ca035), FMCP__EC_W(0xe3bc778895fd71ae), FMCP__EC_W(0x8764cd2cda92245d) },
      { FMCP__EC_W(0xa2fe2c4782eb23e2), FMCP__EC_W(0x5ac762e00f3c9d6e), FMCP__EC_W(0x57860ce121646f31),
        FMCP__EC_W(0xbdc9d6c34f9f589a), FMCP__EC_W(0x679952c7d193272e), FMCP__EC_W(0x82ea702eeb18f1c5) } },
    { { FMCP__EC_W(0x37fa935500846d44), FMCP__EC_W(0x09112fc50578bc8c), FMCP__EC_W(0xdad9f5b239c4943d),
        FMCP__EC_W(0x7314f5f0416dbd86), FMCP__EC_W(0x5cf095a901fefb56), FMCP__EC_W(0x35178bad22dab393) },
      { FMCP__EC_W(0xcf79fc1b36baf1a7), FMCP__EC_W(0x1b7ee42d749e5498), FMCP__EC_W(0xbce78aa9ede314bb),
        FMCP__EC_W(0xaaf8e0f6bd0628df), FMCP__EC_W(0xa974b09415cbf948), FMCP__EC_W(0x8f3f1f63c9632b78) } },
    { { FMCP__EC_W(0xd4c411564fddda5b), FMCP__EC_W(0xd4af65c673ad9112), FMCP__EC_W(0xffe8e0bb39eb8f59),
        FMCP__EC_W(0xb0040c0e8d6fcf13), FMCP__EC_W(0x99e1c0c61f2bb599), FMCP__EC_W(0x9c94c858b2ac3405) },
      { FMCP__EC_W(0x8f8878d76eeed85d), FMCP__EC_W(0x62b2f54351fcca3f), FMCP__EC_W(0xeb3b44a9e5b56918),
        FMCP__EC_W(0x16f96676b7234e93), FMCP__EC_W(0x17477722bd2af19e), FMCP__EC_W(0x42eb2979db83a485) } },
    { { FMCP__EC_W(0x6f888f7df0c668ca), FMCP__EC_W(0x65c788785f0dc66c), FMCP__EC_W(0xbfb185125f5b07a0),
        FMCP__EC_W(0x780abff7d878acd0), FMCP__EC_W(0x504f21b1570cf950), FMCP__EC_W(0xea5b37c5da233371) },
      { FMCP__EC_W(0x487ae8bd22437ed1), FMCP__EC_W(0x9c701758249cf9b7), FMCP__EC_W(0xf86562a898fb34ff),
        FMCP__EC_W(0xdfeea1a265e0fc91), FMCP__EC_W(0xeef006912e20fc23), FMCP__EC_W(0xac9dfec7dfa72a8b) } },
    { { FMCP__EC_W(0xfa5c3aef697136c6), FMCP__EC_W(0x8ea5af63a5ea6fb8), FMCP__EC_W(0xa669156542e365a4),
        FMCP__EC_W(0x47c56c115b6e3386), FMCP__EC_W(0x1197832bcea03f56), FMCP__EC_W(0x0b470bb250e4ea9e) },
      { FMCP__EC_W(0x3113c74313b25712), FMCP__EC_W(0x8d6c174ed2497d48), FMCP__EC_W(0xfc4486ee49c9ebe8),
        FMCP__EC_W(0x2487edd57f82bdd3), FMCP__EC_W(0x771e64415b57be2f), FMCP__EC_W(0x2d1cc518e28b2bdb) } },
    { { FMCP__EC_W(0x2c4ccac72070ac8d), FMCP__EC_W(0x1947c0caec4a22b8), FMCP__EC_W(0xa5e0fb598c5a78d9),
        FMCP__EC_W(0x464ae8d241a84de7), FMCP__EC_W(0x3dba16e9daaabc27), FMCP__EC_W(0x16634a504f35cb3c) },
      { FMCP__EC_W(0xadc18bf9b16ec84f), FMCP__EC_W(0x324d067e7359dd35), FMCP__EC_W(0xdaeac0c3570543f0),
        FMCP__EC_W(0x0b2240003c887d36), FMCP__EC_W(0xc69489e2373f1a0d), FMCP__EC_W(0x518b047dcbaa0d97) } },
    { { FMCP__EC_W(0x3b1bddc6fbde49ef), FMCP__EC_W(0xdaed7c268a0915cc), FMCP__EC_W(0x0b0110610f0422a2),
        FMCP__EC_W(0xcf485c74a7c54b16), FMCP__EC_W(0x642ec4e615c3aae2), FMCP__EC_W(0xa8ba8f10e0f383ea) },
      { FMCP__EC_W(0x2a2054b495618501), FMCP__EC_W(0xebec6442089efa8b), FMCP__EC_W(0x5786a19a4e2fa83e),
        FMCP__EC_W(0xd2c71ad139069963), FMCP__EC_W(0xadc93d9a481765e2), FMCP__EC_W(0xedf2e3eb7ecc9485) } },
    { { FMCP__EC_W(0xbcab5f60069f3367), FMCP__EC_W(0xfd6622bc1718ec3c), FMCP__EC_W(0xa4fb7867e3a142d6),
        FMCP__EC_W(0x6078d8bf085faeb3), FMCP__EC_W(0xfa5cbfda60f4554f), FMCP__EC_W(0xb3fcd5d1690cd408) },
      { FMCP__EC_W(0x4ebdee7d281f7884), FMCP__EC_W(0x82af23aa180a63a7), FMCP__EC_W(0x8de3107c3d079f61),
        FMCP__EC_W(0x17c6b5cbbe2334f8), FMCP__EC_W(0x6a91e73997d0fa06), FMCP__EC_W(0x7460257314ceeed4) } },
    { { FMCP__EC_W(0xb14ba61cf97f865c), FMCP__EC_W(0x73bae4c1694b8b0d), FMCP__EC_W(0xa14967dfac4bbf62),
        FMCP__EC_W(0x1e9dd1509bf446e0), FMCP__EC_W(0xc052f3eb1c99ceef), FMCP__EC_W(0x814d7fa07a78c189) },
      { FMCP__EC_W(0xa101a483ab74b05d), FMCP__EC_W(0x7788c258a1737b65), FMCP__EC_W(0x0d60bab7e809a13c),
        FMCP__EC_W(0x8f427bc473c81d5b), FMCP__EC_W(0xd2e130552952c1fc), FMCP__EC_W(0x0a823b9a4b26df63) } },
    { { FMCP__EC_W(0xaf467ce227bf64c9), FMCP__EC_W(0xdfca6897f929974c), FMCP__EC_W(0x64473b595c322738),
        FMCP__EC_W(0x96a917cf1ed0e315), FMCP__EC_W(0x3703435b0de64db9), FMCP__EC_W(0x9ba039679267b646) },
      { FMCP__EC_W(0xdf0c2aae3a522fbe), FMCP__EC_W(0x41bdb741b335eff0), FMCP__EC_W(0xaccf2edd7b059703),
        FMCP__EC_W(0x6fb34b3028463cce), FMCP__EC_W(0x96d9ba0bd9e3ca19), FMCP__EC_W(0xff336f12504655c1) } },
    { { FMCP__EC_W(0x48da1fd3fc60a6e0), FMCP__EC_W(0x54fb5a34222241e8), FMCP__EC_W(0x6035e34f772ae080),
        FMCP__EC_W(0x5ff77ff2332982d0), FMCP__EC_W(0x2366467300fe51fd), FMCP__EC_W(0xc93ea049ef6ba006) },
      { FMCP__EC_W(0x6640f1177d381266), FMCP__EC_W(0x394d32cd6ae9f4ac), FMCP__EC_W(0xe6a7885370d303eb),
        FMCP__EC_W(0x0dda19ffe5275767), FMCP__EC_W(0xb0a6c77201466d23), FMCP__EC_W(0xc4cc11451fc69829) } },
    { { FMCP__EC_W(0xc5c0e6d7aaed89c0), FMCP__EC_W(0x6ce8ead6149a1896), FMCP__EC_W(0x7a50f7458c949f8f),
        FMCP__EC_W(0xcd7e35f76e2b71aa), FMCP__EC_W(0xf6159e519a049f7a), FMCP__EC_W(0x1c9bf0b0f1e52d1e) },
      { FMCP__EC_W(0x3bb6c1f518202c80), FMCP__EC_W(0x8d3a5f621ecd7b1a), FMCP__EC_W(0x3bb034e888d17f19),
        FMCP__EC_W(0xdc89bd4997d4048d), FMCP__EC_W(0xf5af7b8e3735df22), FMCP__EC_W(0x52bb3712a0a689e8) } },
};


static const fmcp__ec_def fmcp__ec_p256 = {
    { FMCP__EC_N256,
      { FMCP__EC_W(0xffffffffffffffff), FMCP__EC_W(0x00000000ffffffff),
        FMCP__EC_W(0x0000000000000000), FMCP__EC_W(0xffffffff00000001) },
      { FMCP__EC_W(0x0000000000000003), FMCP__EC_W(0xfffffffbffffffff),
        FMCP__EC_W(0xfffffffffffffffe), FMCP__EC_W(0x00000004fffffffd) },
      { FMCP__EC_W(0x0000000000000001), FMCP__EC_W(0xffffffff00000000),
        FMCP__EC_W(0xffffffffffffffff), FMCP__EC_W(0x00000000fffffffe) },
      FMCP__EC_W0(0x0000000000000001) },
    { FMCP__EC_N256,
      { FMCP__EC_W(0xf3b9cac2fc632551), FMCP__EC_W(0xbce6faada7179e84),
        FMCP__EC_W(0xffffffffffffffff), FMCP__EC_W(0xffffffff00000000) },
      { FMCP__EC_W(0x83244c95be79eea2), FMCP__EC_W(0x4699799c49bd6fa6),
        FMCP__EC_W(0x2845b2392b6bec59), FMCP__EC_W(0x66e12d94f3d95620) },
      { FMCP__EC_W(0x0c46353d039cdaaf), FMCP__EC_W(0x4319055258e8617b),
        FMCP__EC_W(0x0000000000000000), FMCP__EC_W(0x00000000ffffffff) },
      FMCP__EC_W0(0xccd1c8aaee00bc4f) },
    { FMCP__EC_W(0xd89cdf6229c4bddf), FMCP__EC_W(0xacf005cd78843090),
      FMCP__EC_W(0xe5a220abf7212ed6), FMCP__EC_W(0xdc30061d04874834) },
    32, &fmcp__ec_p256_gtab[0][0][0], &fmcp__ec_p256_comb[0][0][0], 43
};

static const fmcp__ec_def fmcp__ec_p384 = {
    { FMCP__EC_N384,
      { FMCP__EC_W(0x00000000ffffffff), FMCP__EC_W(0xffffffff00000000),
        FMCP__EC_W(0xfffffffffffffffe), FMCP__EC_W(0xffffffffffffffff),
        FMCP__EC_W(0xffffffffffffffff), FMCP__EC_W(0xffffffffffffffff) },
      { FMCP__EC_W(0xfffffffe00000001), FMCP__EC_W(0x0000000200000000),
        FMCP__EC_W(0xfffffffe00000000), FMCP__EC_W(0x0000000200000000),
        FMCP__EC_W(0x0000000000000001), FMCP__EC_W(0x0000000000000000) },
      { FMCP__EC_W(0xffffffff00000001), FMCP__EC_W(0x00000000ffffffff),
        FMCP__EC_W(0x0000000000000001), FMCP__EC_W(0x0000000000000000),
        FMCP__EC_W(0x0000000000000000), FMCP__EC_W(0x0000000000000000) },
      FMCP__EC_W0(0x0000000100000001) },
    { FMCP__EC_N384,
      { FMCP__EC_W(0xecec196accc52973), FMCP__EC_W(0x581a0db248b0a77a),
        FMCP__EC_W(0xc7634d81f4372ddf), FMCP__EC_W(0xffffffffffffffff),
        FMCP__EC_W(0xffffffffffffffff), FMCP__EC_W(0xffffffffffffffff) },
      { FMCP__EC_W(0x2d319b2419b409a9), FMCP__EC_W(0xff3d81e5df1aa419),
        FMCP__EC_W(0xbc3e483afcb82947), FMCP__EC_W(0xd40d49174aab1cc5),
        FMCP__EC_W(0x3fb05b7a28266895), FMCP__EC_W(0x0c84ee012b39bf21) },
      { FMCP__EC_W(0x1313e695333ad68d), FMCP__EC_W(0xa7e5f24db74f5885),
        FMCP__EC_W(0x389cb27e0bc8d220), FMCP__EC_W(0x0000000000000000),
        FMCP__EC_W(0x0000000000000000), FMCP__EC_W(0x0000000000000000) },
      FMCP__EC_W0(0x6ed46089e88fdc45) },
    { FMCP__EC_W(0x081188719d412dcc), FMCP__EC_W(0xf729add87a4c32ec),
      FMCP__EC_W(0x77f2209b1920022e), FMCP__EC_W(0xe3374bee94938ae2),
      FMCP__EC_W(0xb62b21f41f022094), FMCP__EC_W(0xcd08114b604fbff9) },
    48, &fmcp__ec_p384_gtab[0][0][0], &fmcp__ec_p384_comb[0][0][0], 64
};

static const fmcp__ec_def *fmcp__ec_get(fmcp_ec_curve c)
{
    if (c == FMCP_EC_P256) return &fmcp__ec_p256;
    if (c == FMCP_EC_P384) return &fmcp__ec_p384;
    return NULL;
}

/* ---- arithmetic mod m (values always fully reduced, in [0, m)) ------------ */

/* The limb loops are written out by these lists (X(0) X(1) ... for each
 * field size), so that every index is a constant: the compiler then keeps
 * the temporaries in registers. FMCP__EC_ALLn lists limbs 0..n-1 and
 * FMCP__EC_UPn limbs 1..n-1. */
#define FMCP__EC_L4(X) X(0) X(1) X(2) X(3)
#define FMCP__EC_L6(X) FMCP__EC_L4(X) X(4) X(5)
#define FMCP__EC_L8(X) FMCP__EC_L6(X) X(6) X(7)
#define FMCP__EC_L12(X) FMCP__EC_L8(X) X(8) X(9) X(10) X(11)
#define FMCP__EC_U4(X) X(1) X(2) X(3)
#define FMCP__EC_U6(X) FMCP__EC_U4(X) X(4) X(5)
#define FMCP__EC_U8(X) FMCP__EC_U6(X) X(6) X(7)
#define FMCP__EC_U12(X) FMCP__EC_U8(X) X(8) X(9) X(10) X(11)
#if FMCP__EC_LB == 64
#define FMCP__EC_ALL256 FMCP__EC_L4
#define FMCP__EC_UP256 FMCP__EC_U4
#define FMCP__EC_ALL384 FMCP__EC_L6
#define FMCP__EC_UP384 FMCP__EC_U6
#else
#define FMCP__EC_ALL256 FMCP__EC_L8
#define FMCP__EC_UP256 FMCP__EC_U8
#define FMCP__EC_ALL384 FMCP__EC_L12
#define FMCP__EC_UP384 FMCP__EC_U12
#endif

/* One step each: subtract with borrow, select by mask, add with carry,
 * multiply-accumulate, Montgomery reduction (shifting down one limb). */
#define FMCP__EC_SUBM(j) { fmcp__ec_dlimb x_ = (fmcp__ec_dlimb)t[j] - FMCP__EC_MM(j) - borrow; \
    d[j] = (fmcp__ec_limb)x_; borrow = (fmcp__ec_limb)(x_ >> FMCP__EC_LB) & 1u; }
#define FMCP__EC_SEL(j) r[j] = (d[j] & mask) | (t[j] & ~mask);
#define FMCP__EC_ADD(j) { c += (fmcp__ec_dlimb)a[j] + b[j]; t[j] = (fmcp__ec_limb)c; c >>= FMCP__EC_LB; }
#define FMCP__EC_SUB(j) { fmcp__ec_dlimb x_ = (fmcp__ec_dlimb)a[j] - b[j] - borrow; \
    t[j] = (fmcp__ec_limb)x_; borrow = (fmcp__ec_limb)(x_ >> FMCP__EC_LB) & 1u; }
#define FMCP__EC_ADDM(j) { c += (fmcp__ec_dlimb)t[j] + (FMCP__EC_MM(j) & mask); \
    r[j] = (fmcp__ec_limb)c; c >>= FMCP__EC_LB; }
#define FMCP__EC_MAC(j) { c += (fmcp__ec_dlimb)a[j] * bi + t[j]; t[j] = (fmcp__ec_limb)c; c >>= FMCP__EC_LB; }
#define FMCP__EC_RED(j) { c += (fmcp__ec_dlimb)u * FMCP__EC_MM(j) + t[j]; \
    t[j - 1] = (fmcp__ec_limb)c; c >>= FMCP__EC_LB; }

/* Functions for one field size: NAME_csub (r = t - m if t, with the extra
 * top bit hi, is >= m, else t), NAME_add, NAME_sub (mod m, inputs below m)
 * and NAME_mont (Montgomery product a b / R mod m, CIOS; t stays < 2m).
 * No branch on the values. r may alias the inputs. */
#define FMCP__EC_FIELD_FNS(NAME, N, ALL, UP, OUTER, ROW) \
static inline void NAME##_csub(fmcp__ec_limb *r, const fmcp__ec_limb *t, fmcp__ec_limb hi, \
                        const fmcp__ec_mod *M) \
{ \
    fmcp__ec_limb d[N], borrow = 0, mask; \
    (void)M;                    /* unused when the modulus is a constant */ \
    ALL(FMCP__EC_SUBM) \
    mask = (fmcp__ec_limb)0 - (hi | (borrow ^ 1u)); \
    ALL(FMCP__EC_SEL) \
} \
static void NAME##_add(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *b, \
                       const fmcp__ec_mod *M) \
{ \
    fmcp__ec_limb t[N]; \
    fmcp__ec_dlimb c = 0; \
    ALL(FMCP__EC_ADD) \
    NAME##_csub(r, t, (fmcp__ec_limb)c, M); \
} \
static void NAME##_sub(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *b, \
                       const fmcp__ec_mod *M) \
{ \
    fmcp__ec_limb t[N], borrow = 0, mask; \
    fmcp__ec_dlimb c = 0; \
    (void)M; \
    ALL(FMCP__EC_SUB) \
    mask = (fmcp__ec_limb)0 - borrow; \
    ALL(FMCP__EC_ADDM) \
} \
static void NAME##_mont(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *b, \
                        const fmcp__ec_mod *M) \
{ \
    fmcp__ec_limb t[N + 2]; \
    memset(t, 0, sizeof t); \
    OUTER(ROW) \
    NAME##_csub(r, t, t[N], M); \
}

/* One row of the Montgomery product: t = (t + a b[i] + u m) / 2^LB. */
#define FMCP__EC_ROW(i, N, ALL, UP) { \
        fmcp__ec_dlimb c = 0; \
        fmcp__ec_limb u, bi = b[i]; \
        ALL(FMCP__EC_MAC) \
        c += t[N]; \
        t[N] = (fmcp__ec_limb)c; \
        t[N + 1] = (fmcp__ec_limb)(c >> FMCP__EC_LB); \
        u = t[0] * FMCP__EC_M0; \
        c = ((fmcp__ec_dlimb)u * FMCP__EC_MM(0) + t[0]) >> FMCP__EC_LB; \
        UP(FMCP__EC_RED) \
        c += t[N]; \
        t[N - 1] = (fmcp__ec_limb)c; \
        t[N] = t[N + 1] + (fmcp__ec_limb)(c >> FMCP__EC_LB); }
#define FMCP__EC_ROW256(i) FMCP__EC_ROW(i, FMCP__EC_N256, FMCP__EC_ALL256, FMCP__EC_UP256)
#define FMCP__EC_ROW384(i) FMCP__EC_ROW(i, FMCP__EC_N384, FMCP__EC_ALL384, FMCP__EC_UP384)
/* The outer (row) lists: the limb lists cannot be nested in themselves. */
#define FMCP__EC_O4(X) X(0) X(1) X(2) X(3)
#define FMCP__EC_O6(X) FMCP__EC_O4(X) X(4) X(5)
#define FMCP__EC_O8(X) FMCP__EC_O6(X) X(6) X(7)
#define FMCP__EC_O12(X) FMCP__EC_O8(X) X(8) X(9) X(10) X(11)
#if FMCP__EC_LB == 64
#define FMCP__EC_OUT256 FMCP__EC_O4
#define FMCP__EC_OUT384 FMCP__EC_O6
#else
#define FMCP__EC_OUT256 FMCP__EC_O8
#define FMCP__EC_OUT384 FMCP__EC_O12
#endif

/* Any modulus of each size (the group orders), then the two field primes
 * as constants, which lets the compiler fold their special limbs (zeros,
 * all-ones words, m0 = 1 for P-256). */
#define FMCP__EC_MM(j) M->m[j]
#define FMCP__EC_M0 M->m0
FMCP__EC_FIELD_FNS(fmcp__ec_f256, FMCP__EC_N256, FMCP__EC_ALL256, FMCP__EC_UP256,
                   FMCP__EC_OUT256, FMCP__EC_ROW256)
FMCP__EC_FIELD_FNS(fmcp__ec_f384, FMCP__EC_N384, FMCP__EC_ALL384, FMCP__EC_UP384,
                   FMCP__EC_OUT384, FMCP__EC_ROW384)
#undef FMCP__EC_MM
#undef FMCP__EC_M0
#define FMCP__EC_MM(j) fmcp__ec_p256.p.m[j]
#define FMCP__EC_M0 fmcp__ec_p256.p.m0
FMCP__EC_FIELD_FNS(fmcp__ec_p256p, FMCP__EC_N256, FMCP__EC_ALL256, FMCP__EC_UP256,
                   FMCP__EC_OUT256, FMCP__EC_ROW256)
#undef FMCP__EC_MM
#undef FMCP__EC_M0
#define FMCP__EC_MM(j) fmcp__ec_p384.p.m[j]
#define FMCP__EC_M0 fmcp__ec_p384.p.m0
FMCP__EC_FIELD_FNS(fmcp__ec_p384p, FMCP__EC_N384, FMCP__EC_ALL384, FMCP__EC_UP384,
                   FMCP__EC_OUT384, FMCP__EC_ROW384)
#undef FMCP__EC_MM
#undef FMCP__EC_M0

static void fmcp__ec_csub(fmcp__ec_limb *r, const fmcp__ec_limb *t, fmcp__ec_limb hi,
                          const fmcp__ec_mod *M)
{
    if (M == &fmcp__ec_p256.p) fmcp__ec_p256p_csub(r, t, hi, M);
    else if (M == &fmcp__ec_p384.p) fmcp__ec_p384p_csub(r, t, hi, M);
    else if (M->n == FMCP__EC_N256) fmcp__ec_f256_csub(r, t, hi, M);
    else fmcp__ec_f384_csub(r, t, hi, M);
}

static void fmcp__ec_add(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *b,
                         const fmcp__ec_mod *M)
{
    if (M == &fmcp__ec_p256.p) fmcp__ec_p256p_add(r, a, b, M);
    else if (M == &fmcp__ec_p384.p) fmcp__ec_p384p_add(r, a, b, M);
    else if (M->n == FMCP__EC_N256) fmcp__ec_f256_add(r, a, b, M);
    else fmcp__ec_f384_add(r, a, b, M);
}

static void fmcp__ec_sub(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *b,
                         const fmcp__ec_mod *M)
{
    if (M == &fmcp__ec_p256.p) fmcp__ec_p256p_sub(r, a, b, M);
    else if (M == &fmcp__ec_p384.p) fmcp__ec_p384p_sub(r, a, b, M);
    else if (M->n == FMCP__EC_N256) fmcp__ec_f256_sub(r, a, b, M);
    else fmcp__ec_f384_sub(r, a, b, M);
}

/* r = a b / R mod m; r may alias a or b. */
static void fmcp__ec_mul(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *b,
                         const fmcp__ec_mod *M)
{
    if (M == &fmcp__ec_p256.p) fmcp__ec_p256p_mont(r, a, b, M);
    else if (M == &fmcp__ec_p384.p) fmcp__ec_p384p_mont(r, a, b, M);
    else if (M->n == FMCP__EC_N256) fmcp__ec_f256_mont(r, a, b, M);
    else fmcp__ec_f384_mont(r, a, b, M);
}

static void fmcp__ec_copy(fmcp__ec_limb *r, const fmcp__ec_limb *a)
{
    memcpy(r, a, sizeof(fmcp__ec_fe));
}

/* 1 when a == 0 (no branch). */
static fmcp__ec_limb fmcp__ec_iszero(const fmcp__ec_limb *a, const fmcp__ec_mod *M)
{
    fmcp__ec_limb acc = 0;
    int j;
    for (j = 0; j < M->n; j++) acc |= a[j];
    return (fmcp__ec_limb)(1u ^ ((acc | ((fmcp__ec_limb)0 - acc)) >> (FMCP__EC_LB - 1)));
}

/* 1 when a == b as field elements (only the limbs in use count). */
static int fmcp__ec_equal(const fmcp__ec_limb *a, const fmcp__ec_limb *b, const fmcp__ec_mod *M)
{
    return memcmp(a, b, (size_t)M->n * sizeof(fmcp__ec_limb)) == 0;
}

/* 1 when a < m (no branch). */
static fmcp__ec_limb fmcp__ec_below(const fmcp__ec_limb *a, const fmcp__ec_mod *M)
{
    fmcp__ec_limb borrow = 0;
    int j;
    for (j = 0; j < M->n; j++) {
        fmcp__ec_dlimb x = (fmcp__ec_dlimb)a[j] - M->m[j] - borrow;
        borrow = (fmcp__ec_limb)(x >> FMCP__EC_LB) & 1u;
    }
    return borrow;
}

/* r = a^e mod m for a public exponent e (Montgomery in and out); a 4-bit
 * window whose indices depend on e only. */
static void fmcp__ec_pow(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_limb *e,
                         const fmcp__ec_mod *M)
{
    fmcp__ec_fe tab[16], acc;
    int i, k, nib = M->n * (FMCP__EC_LB / 4);
    fmcp__ec_copy(tab[0], M->one);
    for (i = 1; i < 16; i++) fmcp__ec_mul(tab[i], tab[i - 1], a, M);
    fmcp__ec_copy(acc, M->one);
    for (i = nib - 1; i >= 0; i--) {
        unsigned d = (unsigned)(e[i / (FMCP__EC_LB / 4)] >> (4 * (i % (FMCP__EC_LB / 4)))) & 15u;
        for (k = 0; k < 4; k++) fmcp__ec_mul(acc, acc, acc, M);
        fmcp__ec_mul(acc, acc, tab[d], M);
    }
    fmcp__ec_copy(r, acc);
    fmcp_wipe(tab, sizeof tab);
    fmcp_wipe(acc, sizeof acc);
}

/* r = a^-1 (Fermat: a^(m-2)); 0 stays 0. Montgomery in and out. */
static void fmcp__ec_inv(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_mod *M)
{
    fmcp__ec_fe e;
    fmcp__ec_copy(e, M->m);
    e[0] -= 2;                                 /* m is odd and large: no borrow */
    fmcp__ec_pow(r, a, e, M);
}

/* Big-endian bytes (len == limbs * limb size) to limbs and back. */
static void fmcp__ec_load(fmcp__ec_limb *r, const uint8_t *s, size_t len)
{
    size_t i;
    memset(r, 0, sizeof(fmcp__ec_fe));
    for (i = 0; i < len; i++)
        r[i / (FMCP__EC_LB / 8)] |= (fmcp__ec_limb)s[len - 1 - i] << (8 * (i % (FMCP__EC_LB / 8)));
}

static void fmcp__ec_store(uint8_t *s, const fmcp__ec_limb *a, size_t len)
{
    size_t i;
    /* len is a curve's size; saying so stops gcc 12 at -O3 -march=x86-64-v3
     * from warning (-Wstringop-overflow) that it might overrun a buffer */
    if (len > FMCP_EC_MAX_BYTES) len = FMCP_EC_MAX_BYTES;
    for (i = 0; i < len; i++)
        s[len - 1 - i] = (uint8_t)(a[i / (FMCP__EC_LB / 8)] >> (8 * (i % (FMCP__EC_LB / 8))));
}

static void fmcp__ec_tomont(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_mod *M)
{
    fmcp__ec_mul(r, a, M->r2, M);
}

static void fmcp__ec_frommont(fmcp__ec_limb *r, const fmcp__ec_limb *a, const fmcp__ec_mod *M)
{
    fmcp__ec_fe one;
    memset(one, 0, sizeof one);
    one[0] = 1;
    fmcp__ec_mul(r, a, one, M);
}

/* r = a if flag (0 or 1), else r unchanged; no branch. */
static void fmcp__ec_cmov(fmcp__ec_limb *r, const fmcp__ec_limb *a, fmcp__ec_limb flag)
{
    fmcp__ec_limb mask = (fmcp__ec_limb)0 - flag;
    int j;
    for (j = 0; j < FMCP__EC_L; j++) r[j] = (r[j] & ~mask) | (a[j] & mask);
}
