/* Unit tests for the bn module: byte conversion, arithmetic, Montgomery,
 * modular exponentiation and primality (Wycheproof primality_test.json). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

/* Expected values computed with Python 3 integers (independent of this library):
 * random.seed(7); m = getrandbits(2048)|2^2047|1; a, b = getrandbits(2048) % m; e = getrandbits(2048);
 * m2 = getrandbits(1000)|1; a2 = getrandbits(999); e2 = getrandbits(300). */
static const char V_M[] =
    "98f135d25f557203301850c5a38fd547923a736994e3bf911a61dbe22e44158bae97ba94d0eda82f8f6d05584ef8aa38"
    "922766581e27a1c08a6a63ec24ede6a46b4cb2424a23d5962217beaddbc496cb8e81973e0becd7b03898d190f9ebdacc"
    "0cb1e29c658cda1495e60af593bd04cf0fd630f1f29d0da9953f48f1a09f76b5a170b33839263059f28c105d1fb17c23"
    "90c192cfd3ac94af0f21ddb66cad4a268d116ece1738f7d93d9c172411e20b8f6b0d549b6f03675a1600a35a099950d8"
    "36f675cc81e74ef5e8e25d940ed904759531985d5d9dc9f81818e811892f902bd23f0824128b2f330c5c7fd0a6a3a450"
    "6513270e269e0d37f2a74de452e6b439";
static const char V_A[] =
    "7f26144b98289fcd59a54a7bb1fee08f571242425051c1ccd17f9acae01f5057ca02135e92b1d3f28ede0d7ac3baea9e"
    "13deef86ab1031d0f646e1f40a097c976bf46c697d2caf82eeeacbe226e875555790f82ec1d3fcff2a3af4d46b0a18e8"
    "830e07bc1e398f1012bd4acefaecbd389be4bcfc49b64a0872e6cc3ababced2057ee05cde00902c77ebff20686734721"
    "4cdd2055930d6eaf14f4733f3e7d1bfbc7a2ea20b2f14c942e05319acb5c74273f98e2774cbd87ad5c90a9587403e430"
    "ec66a78795e761d17731af10506bf2efc6f877186d76b07e881ed162ae2eb1547f15052434b9b5df9e7769b10f4205b4"
    "907a70c31012f037b64ce4228c38fb29";
static const char V_B[] =
    "6397e5780afb6d4a84be1974a3b6c505faa0bcf6484a567853d4cecea3783d4d7475dcea1137c929b7b371c73daf6dd8"
    "d4aac21e54d65041a02c972defb3134313ce5dfa94f1ad1ac89cb9248850b0d0d75b08123376d7d3846c905527309603"
    "3ce340fd5f1e10aca1f66c057b5a9e316e8c79182b5cefcf0725f0468a65c130b98efef13d0b7938fe4247d7e61532e3"
    "c813c36dd7803e6fd3f334d1f615f0292a637c8431a248d634796c4cc0879e1643583a988f3821b17df3a5599c10eba9"
    "184bf7ff31adac40d24ae47b00af03957b723e554c6817229a587133f02ef1fd72dbb55ddf4b6fa30b99686730647cad"
    "ac874bc34e2bd232d959cef9418d4ee2";
static const char V_E[] =
    "1c2442f9298cb3a570ccec313571810afc132d0d113db17d30cbc97d0fef792866836886a260cd0b7b45145c1a81682c"
    "64e50cad66237a0465e7e4236472f1a38f2c6ec8cc4169a3ae3a2b7fdfe01893f3aed0b6c7ac1491def88334e647cb8f"
    "74e69a5d0dd27a65bd628881ad1b72dba7abe1c29e1a8ef4f341e07a83f73f16dbf4a8b2b0c4312d20203626f3fe39c0"
    "519088f590fbbd119c1caaf75e8766ed88daf4016b4013ef254b0c4e010c4759482c9cbc43435cc52eae05cf96d0cc5f"
    "d4c28c2e7c26847f0316909e3bbbe9eaa8948c893b61867626bb7dbd2d1c9af0153e7c2a26a2c0bd3b1287fff52ddf5d"
    "616499c9e25a7605aec6f0245bd86d40";
static const char V_SUM[] =
    "e2bdf9c3a3240d17de6363f055b5a59551b2ff38989c18452554699983978da53e77f048a3e99d1c46917f42016a5876"
    "e889b1a4ffe6821296737921f9bc8fda7fc2ca64121e5c9db7878506af3926262eec0040f54ad4d2aea78529923aaeeb"
    "bff148b97d579fbcb4b3b6d476475b6a0a713614751339d77a0cbc814522ae51117d04bf1d147c007d0239de6c887a05"
    "14f0e3c36a8dad1ee8e7a81134930c24f20666a4e493956a627e9de78be4123d82f11d0fdbf5a95eda844eb21014cfda"
    "04b29f86c7950e12497c938b511af685426ab56db9dec7a1227742969e5da351f1f0ba8214052582aa10d2183fa68262"
    "3d01bc865e3ec26a8fa6b31bcdc64a0b";
static const char V_DIFF[] =
    "1b8e2ed38d2d3282d4e731070e481b895c71854c08076b547daacbfc3ca7130a558c3674817a0ac8d72a9bb3860b7cc5"
    "3f342d685639e18f561a4ac61a56695458260e6ee83b0268264e12bd9e97c4848035f01c8e5d252ba5ce647f43d982e5"
    "462ac6bebf1b7e6370c6dec97f921f072d5843e41e595a396bc0dbf430572bef9e5f06dca2fd898e807daa2ea05e143d"
    "84c95ce7bb8d303f41013e6d48672bd29d3f6d9c814f03bdf98bc54e0ad4d610fc40a7debd8565fbde9d03fed7f2f887"
    "d41aaf886439b590a4e6ca954fbcef5a4b8638c3210e995bedc6602ebdffbf570c394fc6556e463c92de0149dedd8906"
    "e3f324ffc1e71e04dcf315294aabac47";
static const char V_PROD[] =
    "31772b47e3e3f5b7696c46d452a39365b4686f3dd5114be9b9e8bda7ac569c608c2b7ed280c959ef9d98a979aadf32bc"
    "97cbba64bfe77ad49bc75e7fe51197fdb844eb048444f8209f4f084e69ca555e02cc3d1eba848b00246672835deeb2a6"
    "c5daff9ac7caed68a81a6d65edbdf609786e02efe0d708eb64384f9c937f6b405403dc400945a4afca37644e41be99a7"
    "0d406f55ae9bb8c101e929cd31b78d3e533efa6c16becac1826fdee18fe531c1fcea30919039e14545ed307cf652b87c"
    "6269616a2f76c032133e872bf09148082e2fedc2b3f1c9662824e0603bcc5e07aa37be9877d225aa7884dc9e9f3a7ced"
    "1ceb20feece51f7f3ba8ac9dba02e900a9dc32e4b61812ec2318eafdd676b16a9db1faf0a6b53cad067fccf6ef819455"
    "4293baa37fc59b70a3fbc82279374965ef1b49cf384b49478c452cd870bb65b7bf5c9ae993f869b74f6d45114e6b4a8b"
    "8248a3f51aa07bc0393f2c455c377078569dac16ca6f847762ba3caab16e7b195215d5165adc34ebc74b191b3590f4cb"
    "b0ec7dd540e1863b74531ba7a9e2e04215ed8c40051d0e2d0b45a62b8d7674ae99c10c10c383cc842d2ed1d8ba335041"
    "0b79bdb5f1646527d14c61153a308d3b9d58431722c7207a51eb04de70f39e8c7f86209d6e30f8df059d1f7a21cff1b0"
    "65936d2fb5eb9c8cdb85f5403d19621d1fe0d09f022a682819cde941e5693832";
static const char V_PMOD[] =
    "3b76bdba0b9c998cabcd8c333188b4866ec38d4b618ae67858ae7acfaf41387f695feb4bbb710f62f9691665553b684b"
    "73d92654d9f9f2ed7892b936e5954139d8cc83f47a9c0189cc70f4885677c433048c63dc2a5e2dc7748cae1e6dccf095"
    "e4f171c06d4ad0ea96d31848728cac6c7e18508eb3b6745c386fc59b276d94eadf311f3c498eed2010268482242f64dd"
    "de1f8ae7429510a09ccd6ae6e4d0c418209596d670b9b6774009484e6522922694f5b3499d9bb922ed6e0c14f70ced9f"
    "b5311ee67f88cf3567495202918b5d61aa93851dd137db73077041aefb5251996964f7b3d74ffe45d1e6ba87a2712077"
    "4a657887ebf7bb14bc848d81c4b4de31";
static const char V_EXP[] =
    "896175a80e1345ee3f3b5f0e3176cca1a192b9e48250149f8febde34b86dba6e4e8689f7644d055ab83cd89e06c6e02c"
    "6a1d2bb8bb059e162445bf32f1b33532df7c9955720f7619a2e034dc88bab4879d3cf2305bde66fc5d8af74435a19c0f"
    "84131d012ac2fe3a9347632ea20e5049c65adff1976cb1b09231e3a74f9ec3c71e43875a14618b0bc598b90524d173be"
    "d436daa386cb04a2ab5c754a9fad1ac568b161e4ce29a74e571972d7acd283da3801958005ed70467c0c1b1641595ca7"
    "3bb4682e8ae29681982a95d0cf7c9bef8f2d9888cbab75e2ac7c9f3b8c039a41e7ee597235ed9de38a9a75e1cead448e"
    "9c16b9349122f159033ffbd0699c253c";
static const char V_EXP65537[] =
    "020d81d1938f7b25b783abce84fa9b265827911cbd62ecee06acb329c6ae411c699ae34aceacde61faac415bfa725c51"
    "ea9db043f3be50e7f1fe0a63111a911c942b400bfe7ebc1b335b7fc900a93ba14ad1be2df670bcf406f15bef62bad338"
    "008f1989fea2287f2c08c8d9b76da0babc06c53ed196b4667b8e34a4e134ae2e5b6c423eff53cbfd07fc103b8c3fe347"
    "298214eca2b87a61d2c4d07bf2c369a671654361486af529dca07b779d10347b2cdc75ee4f5d0ddf5eb54dcb87a26c9a"
    "805b63895e47663923f9d0231709c45f7f029857b0f29fc19294e923dbdba815a3b54d216587001b573c80be3ea8c358"
    "e48579ebcd7e9bee0577a7992d870c8d";
static const char V_M2[] =
    "fafe3bfada7cf20724d953ee261d87cec31f7296ab7961fd925d39d0a89a2ef80f58ee8571f4998d7c4093f6dea268aa"
    "872607679d6050914a9d33a01c353c631cdfd43f371200339d068739fa9d1de2a05d158a2ff2ee4e4519f9919c895fd7"
    "b326b94c7f9118bb16000f49c81a358ca00d75985d99c94309570dc195";
static const char V_A2[] =
    "52fa7f0eab4c4f9b0687322e25c215a82a06ec41adea0575438b0d590bb0a844e52587be6b5c9bcf35873be078f3b7a5"
    "0df373ca533488f87605e999f3842e7fc229540a6eb12aa1f6d42fddbb7a86f7a243c71b9abd87a86557b6fb7ebfeaa1"
    "551a28f7b324e4e25a15fc899e4fd58dbe7bdc968b7afb2c68774b15d7";
static const char V_E2[] =
    "05b02ac34446e883a1d45de0099784b5a81842d87208d86f40f6b239f3c7174c77a2dd02de92";
static const char V_EXP2[] =
    "aa1b8ece7542e830152a318ad4ad8df8e71be074f7e183390ae86ec43cc34c3e31c2f0618da0e28bb6c6b49146ffdfd2"
    "796b34bb80d27f58ec3cc8c92d7f2495014da15933ea292798f2ffd9e942dae1e1c854610d0cdaa450cc5e0185b841f7"
    "a3ddb8787eea7fe24e871c24b476e86c549f2fae145a5462d082df5604";
static const char V_PROD_MOD_M2[] =
    "f6c653a5b3c940d9ab0314344955773606edca20e7adbf26ea19bfbca62a528a49b142dbf03da1707829fdfd50108f9f"
    "c2fca9b26f5dbd168af73ddf22849ef208765002dbc8f204cd544d4e7179d8e40c5e3bf9cbfaac5b85fc12c65a2f4f7d"
    "ea48ef0f6668f2cd150288390f29ac32ea551f213e82ab6030c99f94c0";
#define V_MODSMALL 1066468113u

#define NL (2 * FMCP_BN_MAX_LIMBS)

/* Hex text -> n limbs; returns n (limbs for the byte length) or 0. */
static size_t hex_bn(const char *hex, fmcp__limb *r, size_t n)
{
    static unsigned char buf[1024];
    long len = t_hex(hex, buf, sizeof buf);
    size_t need;
    if (len < 0) return 0;
    need = fmcp__bn_limbs_for_bytes((size_t)len);
    if (n == 0) n = need;
    if (fmcp__bn_from_bytes(r, n, buf, (size_t)len) != FMCP_OK) return 0;
    return n;
}

static int bn_eq_hex(const fmcp__limb *a, size_t n, const char *hex)
{
    fmcp__limb b[NL];
    if (!hex_bn(hex, b, n)) return 0;
    return fmcp__bn_cmp(a, b, n) == 0;
}

static void test_bytes(void)
{
    unsigned char in[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8}, out[12];
    fmcp__limb r[4];
    CHECK_OK(fmcp__bn_from_bytes(r, 4, in, 9));
    CHECK(r[0] == (fmcp__limb)(FMCP_LIMB_BITS == 64 ? 0x0102030405060708ull : 0x05060708u));
    CHECK_OK(fmcp__bn_to_bytes(r, 4, out, 12));
    CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0 && out[3] == 0 && memcmp(out + 4, in + 1, 8) == 0);
    /* 8 significant bytes do not fit in 7 output bytes */
    CHECK_EQ_INT(fmcp__bn_to_bytes(r, 4, out, 7), FMCP_ERR_OVERFLOW);
    /* leading zeros are fine, a nonzero byte beyond n limbs is not */
    CHECK_OK(fmcp__bn_from_bytes(r, 8 / sizeof(fmcp__limb), in, 9));
    in[0] = 1;
    CHECK_EQ_INT(fmcp__bn_from_bytes(r, 8 / sizeof(fmcp__limb), in, 9), FMCP_ERR_OVERFLOW);
    CHECK_EQ_INT(fmcp__bn_limbs_for_bytes(256), 256 / sizeof(fmcp__limb));
    CHECK_EQ_INT(fmcp__bn_limbs_for_bytes(257), 256 / sizeof(fmcp__limb) + 1);
    r[0] = 0; r[1] = 0;
    CHECK(fmcp__bn_is_zero(r, 2));
    CHECK_EQ_INT(fmcp__bn_bits(r, 2), 0);
    r[1] = 1;
    CHECK(!fmcp__bn_is_zero(r, 2));
    CHECK_EQ_INT(fmcp__bn_bits(r, 2), FMCP_LIMB_BITS + 1);
}

static void test_arith(void)
{
    fmcp__limb a[NL], b[NL], m[NL], r[NL];
    size_t n = hex_bn(V_M, m, 0);
    CHECK(n == 2048 / FMCP_LIMB_BITS);
    hex_bn(V_A, a, n);
    hex_bn(V_B, b, n);
    r[n] = fmcp__bn_add(r, a, b, n);
    CHECK(bn_eq_hex(r, n + 1, V_SUM));
    fmcp__bn_sub(r, a, b, n);
    CHECK(bn_eq_hex(r, n, V_DIFF));
    fmcp__bn_mul(r, a, n, b, n);
    CHECK(bn_eq_hex(r, 2 * n, V_PROD));
    CHECK_OK(fmcp__bn_mod(r, r, 2 * n, m, n));
    CHECK(bn_eq_hex(r, n, V_PMOD));
    fmcp__bn_mul(r, a, n, b, n);
    CHECK_EQ_INT(fmcp__bn_mod_small(r, 2 * n, 4294967291u), V_MODSMALL);
    CHECK(fmcp__bn_cmp(a, a, n) == 0);
    CHECK(fmcp__bn_cmp(a, m, n) < 0 && fmcp__bn_cmp(m, a, n) > 0);
    memset(m, 0, sizeof m);
    CHECK_EQ_INT(fmcp__bn_mod(r, a, n, m, n), FMCP_ERR_INVALID_ARG);
    /* mul_small: a * 3 == a + a + a */
    {
        fmcp__limb t[NL], c1, c2;
        c1 = fmcp__bn_mul_small(r, a, n, 3);
        c2 = fmcp__bn_add(t, a, a, n);
        c2 += fmcp__bn_add(t, t, a, n);
        CHECK(c1 == c2 && fmcp__bn_cmp(r, t, n) == 0);
    }
}

static void test_montgomery(void)
{
    fmcp__limb a[NL], b[NL], m[NL], r[NL], e[NL];
    fmcp__bn_mont ctx;
    size_t n = hex_bn(V_M, m, 0);
    hex_bn(V_A, a, n);
    hex_bn(V_B, b, n);
    CHECK_OK(fmcp__bn_mont_init(&ctx, m, n));
    fmcp__bn_mont_to(&ctx, r, a);
    fmcp__bn_mont_mul(&ctx, r, r, b);       /* a*R * b / R = a*b */
    CHECK(bn_eq_hex(r, n, V_PMOD));
    fmcp__bn_mont_to(&ctx, r, a);
    fmcp__bn_mont_from(&ctx, r, r);
    CHECK(fmcp__bn_cmp(r, a, n) == 0);
    /* squaring agrees with multiplication */
    {
        fmcp__limb s1[NL], s2[NL];
        fmcp__bn_mont_sqr(&ctx, s1, a);
        fmcp__bn_mont_mul(&ctx, s2, a, a);
        CHECK(fmcp__bn_cmp(s1, s2, n) == 0);
    }
    /* reduce of a double-size value: (a*b)/R, then *R^2/R gives a*b mod m */
    {
        fmcp__limb p[NL];
        fmcp__bn_mul(p, a, n, b, n);
        fmcp__bn_mont_reduce(&ctx, r, p);
        fmcp__bn_mont_mul(&ctx, r, r, ctx.rr);
        CHECK(bn_eq_hex(r, n, V_PMOD));
    }
    hex_bn(V_E, e, n);
    fmcp__bn_mod_exp(&ctx, r, a, e, n);
    CHECK(bn_eq_hex(r, n, V_EXP));
    fmcp__bn_mod_exp_public(&ctx, r, a, e, n);
    CHECK(bn_eq_hex(r, n, V_EXP));
    e[0] = 65537;
    fmcp__bn_mod_exp(&ctx, r, a, e, 1);
    CHECK(bn_eq_hex(r, n, V_EXP65537));
    fmcp__bn_mod_exp_public(&ctx, r, a, e, 1);
    CHECK(bn_eq_hex(r, n, V_EXP65537));
    m[0] ^= 1;
    CHECK_EQ_INT(fmcp__bn_mont_init(&ctx, m, n), FMCP_ERR_INVALID_ARG);
}

/* A modulus whose top limb is only partly used, and limb counts above it. */
static void test_montgomery_odd_sizes(void)
{
    fmcp__limb a[NL], m[NL], r[NL], e[NL], p[NL];
    fmcp__bn_mont ctx;
    size_t n = fmcp__bn_limbs_for_bytes(125), extra;
    for (extra = 0; extra < 3; extra++) {
        size_t nn = n + extra;
        CHECK(hex_bn(V_M2, m, nn) == nn);
        hex_bn(V_A2, a, nn);
        CHECK_OK(fmcp__bn_mont_init(&ctx, m, nn));
        memset(e, 0, sizeof e);
        hex_bn(V_E2, e, fmcp__bn_limbs_for_bytes(38));
        fmcp__bn_mod_exp(&ctx, r, a, e, fmcp__bn_limbs_for_bytes(38));
        CHECK(bn_eq_hex(r, nn, V_EXP2));
        fmcp__bn_mod_exp_public(&ctx, r, a, e, fmcp__bn_limbs_for_bytes(38));
        CHECK(bn_eq_hex(r, nn, V_EXP2));
    }
    /* the 2048-bit product reduced by the 1000-bit modulus */
    hex_bn(V_A, a, 2048 / FMCP_LIMB_BITS);
    hex_bn(V_B, r, 2048 / FMCP_LIMB_BITS);
    fmcp__bn_mul(p, a, 2048 / FMCP_LIMB_BITS, r, 2048 / FMCP_LIMB_BITS);
    hex_bn(V_M2, m, n);
    CHECK_OK(fmcp__bn_mod(r, p, 4096 / FMCP_LIMB_BITS, m, n));
    CHECK(bn_eq_hex(r, n, V_PROD_MOD_M2));
}

/* Deterministic limbs for the size sweep (xorshift64; no library randomness). */
static uint64_t sweep_state = 0x9e3779b97f4a7c15u;
static fmcp__limb sweep_limb(void)
{
    sweep_state ^= sweep_state << 13;
    sweep_state ^= sweep_state >> 7;
    sweep_state ^= sweep_state << 17;
    return (fmcp__limb)sweep_state;
}

/* r = a*b mod m by the schoolbook product and the bit-serial reduction: no
 * Montgomery code, so a reference for it. */
static void ref_mulmod(fmcp__limb *r, const fmcp__limb *a, const fmcp__limb *b, const fmcp__limb *m, size_t n)
{
    fmcp__limb p[NL];
    fmcp__bn_mul(p, a, n, b, n);
    CHECK_OK(fmcp__bn_mod(r, p, 2 * n, m, n));
}

/* Montgomery products at every limb count up to RSA-2048 plus two (the
 * 2048-bit CRT half size has its own written-out code with 64-bit limbs),
 * on moduli that stress the carries (all ones, top bit only, random) and on
 * operands 0, 1, m-1 and random, outputs aliasing either input; checked
 * against ref_mulmod. Then a 16-bit exponent against repeated ref_mulmod. */
static void test_montgomery_sweep(void)
{
    fmcp__limb m[NL], a[NL], b[NL], ar[NL], r[NL], want[NL], x[NL], e[1];
    fmcp__bn_mont ctx;
    size_t n, i;
    int shape, op, bit, bad = 0;
    for (n = 1; n <= 2048 / FMCP_LIMB_BITS + 2; n++) {
        for (shape = 0; shape < 3; shape++) {
            for (i = 0; i < n; i++) m[i] = shape == 0 ? ~(fmcp__limb)0 : shape == 1 ? 0 : sweep_limb();
            m[0] |= 1 | (n == 1 ? 2 : 0);                              /* odd and > 1 */
            m[n - 1] |= (fmcp__limb)1 << (FMCP_LIMB_BITS - 1);
            CHECK_OK(fmcp__bn_mont_init(&ctx, m, n));
            for (op = 0; op < 6; op++) {
                for (i = 0; i < n; i++) a[i] = sweep_limb(), b[i] = sweep_limb();
                a[n - 1] &= m[n - 1] >> 1;                                /* below m */
                b[n - 1] &= m[n - 1] >> 1;
                if (op == 1) { memset(a, 0, n * sizeof *a); a[0] = 1; }
                if (op == 2 || op == 3) { memcpy(a, m, n * sizeof *a); a[0] -= 1; }
                if (op == 3) memcpy(b, a, n * sizeof *b);                 /* (m-1)^2 */
                if (op == 4) memset(b, 0, n * sizeof *b);
                ref_mulmod(want, a, b, m, n);
                fmcp__bn_mont_to(&ctx, ar, a);
                fmcp__bn_mont_mul(&ctx, r, ar, b);                          /* a*R * b / R */
                bad |= fmcp__bn_cmp(r, want, n) != 0;
                memcpy(r, ar, n * sizeof *r);
                fmcp__bn_mont_mul(&ctx, r, r, b);                           /* r aliases a */
                bad |= fmcp__bn_cmp(r, want, n) != 0;
                memcpy(r, b, n * sizeof *r);
                fmcp__bn_mont_mul(&ctx, r, ar, r);                          /* r aliases b */
                bad |= fmcp__bn_cmp(r, want, n) != 0;
                ref_mulmod(want, a, a, m, n);
                fmcp__bn_mont_sqr(&ctx, r, ar);                             /* a^2 * R */
                fmcp__bn_mont_from(&ctx, r, r);
                bad |= fmcp__bn_cmp(r, want, n) != 0;
                memcpy(r, ar, n * sizeof *r);
                fmcp__bn_mont_sqr(&ctx, r, r);
                fmcp__bn_mont_from(&ctx, r, r);
                bad |= fmcp__bn_cmp(r, want, n) != 0;
            }
            /* a^e for a 16-bit e (random moduli), left to right with the reference */
            if (shape == 2) {
                e[0] = sweep_limb() & 0xffff;
                memset(x, 0, n * sizeof *x);
                x[0] = 1;
                for (bit = 15; bit >= 0; bit--) {
                    ref_mulmod(x, x, x, m, n);
                    if ((e[0] >> bit) & 1) ref_mulmod(x, x, a, m, n);
                }
                fmcp__bn_mod_exp(&ctx, r, a, e, 1);
                bad |= fmcp__bn_cmp(r, x, n) != 0;
                fmcp__bn_mod_exp_public(&ctx, r, a, e, 1);
                bad |= fmcp__bn_cmp(r, x, n) != 0;
            }
            CHECKF(!bad, "limbs %u shape %d", (unsigned)n, shape);
            bad = 0;
        }
    }
}

/* 16-limb moduli (RSA-2048's CRT primes) take the AVX-512 IFMA path where
 * the CPU has it: against the reference for short exponents and against
 * the portable path for long ones, one at a time and in pairs, over moduli
 * at both ends of the range and bases 0, 1, m - 1 and random ones. */
static void test_mod_exp_ifma(void)
{
#ifdef FMCP__BN_IFMA
    enum { N = 16 };
    fmcp__limb m[2][N], a[2][N], e[2][N + 1], r[2][N], want[2][N], x[N];
    fmcp__bn_mont ctx[2];
    int trial, k, bit, bad = 0;
    size_t i, en;
    if (!fmcp__bn_ifma()) T_SKIP("this CPU has no AVX-512 IFMA (or the OS does not enable it): the portable path serves 16-limb moduli");
    for (trial = 0; trial < 60; trial++) {
        for (k = 0; k < 2; k++) {
            int shape = (trial + k) % 5;
            for (i = 0; i < N; i++) m[k][i] = shape == 0 ? ~(fmcp__limb)0 : shape == 1 ? 0 : sweep_limb();
            if (shape == 1) m[k][N - 1] = (fmcp__limb)1 << (FMCP_LIMB_BITS - 1);   /* 2^1023 + 1 */
            if (shape == 3) m[k][N - 1] >>= 9;                                    /* a shorter modulus */
            m[k][0] |= 1;
            if (shape == 4) { memset(m[k], 0, sizeof m[k]); m[k][0] = 3; }      /* the smallest */
            CHECK_OK(fmcp__bn_mont_init(&ctx[k], m[k], N));
            for (i = 0; i < N; i++) a[k][i] = sweep_limb();
            CHECK_OK(fmcp__bn_mod(a[k], a[k], N, m[k], N));
            if (trial % 7 == 1) memset(a[k], 0, sizeof a[k]);
            if (trial % 7 == 2) { memset(a[k], 0, sizeof a[k]); a[k][0] = 1; }
            if (trial % 7 == 3) { memcpy(a[k], m[k], sizeof a[k]); a[k][0] -= 1; }
            for (i = 0; i <= N; i++) e[k][i] = trial % 11 == 5 ? 0 : trial % 11 == 6 ? ~(fmcp__limb)0 : sweep_limb();
        }
        if (trial < 20) {   /* a 16-bit exponent, left to right with the reference */
            for (k = 0; k < 2; k++) {
                fmcp__limb e1 = e[k][0] & 0xffff;
                memset(x, 0, sizeof x);
                x[0] = 1;
                for (bit = 15; bit >= 0; bit--) {
                    ref_mulmod(x, x, x, m[k], N);
                    if ((e1 >> bit) & 1) ref_mulmod(x, x, a[k], m[k], N);
                }
                fmcp__bn_mod_exp(&ctx[k], r[k], a[k], &e1, 1);
                bad |= fmcp__bn_cmp(r[k], x, N) != 0;
            }
            continue;
        }
        en = trial % 2 ? N + 1 : N;   /* a blinded CRT exponent, or a plain one */
        for (k = 0; k < 2; k++) fmcp__bn_mod_exp_generic(&ctx[k], want[k], a[k], e[k], en);
        for (k = 0; k < 2; k++) {
            fmcp__bn_mod_exp(&ctx[k], r[k], a[k], e[k], en);
            bad |= fmcp__bn_cmp(r[k], want[k], N) != 0;
        }
        memset(r, 0, sizeof r);
        fmcp__bn_mod_exp2(&ctx[0], r[0], a[0], e[0], &ctx[1], r[1], a[1], e[1], en);
        bad |= fmcp__bn_cmp(r[0], want[0], N) != 0 || fmcp__bn_cmp(r[1], want[1], N) != 0;
        CHECKF(!bad, "trial %d", trial);
        bad = 0;
    }
    CHECK(!bad);
#else
    T_SKIP("not an x86-64 GCC or clang build (or FASTMCP_RSA_PORTABLE): no IFMA path to test");
#endif
}

/* a * a^-1 == 1 (mod m); non-invertible inputs are refused. */
static void test_inverse(void)
{
    fmcp__limb a[NL], m[NL], r[NL], p[NL];
    size_t n = hex_bn(V_M, m, 0);
    int i;
    hex_bn(V_A, a, n);
    for (i = 0; i < 3; i++) {
        CHECK_OK(fmcp__bn_mod_inv_vartime(r, a, m, n));
        fmcp__bn_mul(p, a, n, r, n);
        CHECK_OK(fmcp__bn_mod(r, p, 2 * n, m, n));
        CHECK(fmcp__bn_bits(r, n) == 1);
        a[0] += 2; /* a few neighbours, even and odd */
        a[1] ^= 5;
    }
    memset(a, 0, sizeof a);
    memset(m, 0, sizeof m);
    m[0] = 15;
    a[0] = 7;
    CHECK_OK(fmcp__bn_mod_inv_vartime(r, a, m, 1));
    CHECK(r[0] == 13); /* 7 * 13 = 91 = 6*15 + 1 */
    a[0] = 1;
    CHECK_OK(fmcp__bn_mod_inv_vartime(r, a, m, 1));
    CHECK(r[0] == 1);
    a[0] = 5;
    CHECK_EQ_INT(fmcp__bn_mod_inv_vartime(r, a, m, 1), FMCP_ERR_INVALID_ARG);
    a[0] = 0;
    CHECK_EQ_INT(fmcp__bn_mod_inv_vartime(r, a, m, 1), FMCP_ERR_INVALID_ARG);
    a[0] = 3; m[0] = 16;
    CHECK_EQ_INT(fmcp__bn_mod_inv_vartime(r, a, m, 1), FMCP_ERR_INVALID_ARG);
}

/* Known primes and composites independent of the vector files. */
static void test_primes_small(void)
{
    static const uint32_t primes[] = {2, 3, 5, 7, 65537, 2147483647u, 4294967291u};
    static const uint32_t composites[] = {0, 1, 4, 9, 561, 1105, 65535, 3215031751u, 4294967295u};
    fmcp__limb a[NL];
    size_t i;
    int ok;
    for (i = 0; i < sizeof primes / sizeof *primes; i++) {
        memset(a, 0, sizeof a);
        a[0] = primes[i];
        CHECK_OK(fmcp__bn_is_probable_prime(a, 2, 50, &ok));
        CHECKF(ok == 1, "%u", primes[i]);
    }
    for (i = 0; i < sizeof composites / sizeof *composites; i++) {
        memset(a, 0, sizeof a);
        a[0] = composites[i];
        CHECK_OK(fmcp__bn_is_probable_prime(a, 2, 50, &ok));
        CHECKF(ok == 0, "%u", composites[i]);
    }
    /* 2^521 - 1 is a Mersenne prime, 2^523 - 1 is not */
    memset(a, 0xff, sizeof a);
    i = (521 + FMCP_LIMB_BITS - 1) / FMCP_LIMB_BITS;
    a[i - 1] = ((fmcp__limb)1 << (521 % FMCP_LIMB_BITS)) - 1;
    CHECK_OK(fmcp__bn_is_probable_prime(a, i, 50, &ok));
    CHECK(ok == 1);
    a[i - 1] = ((fmcp__limb)1 << (523 % FMCP_LIMB_BITS)) - 1;
    CHECK_OK(fmcp__bn_is_probable_prime(a, i, 50, &ok));
    CHECK(ok == 0);
}

static int fail_random(void *u, void *buf, size_t len) { (void)u; (void)buf; (void)len; return -1; }

static void test_prime_random_failure(void)
{
    fmcp_hooks h;
    fmcp__limb a[NL];
    int ok = 7;
    memset(&h, 0, sizeof h);
    h.random_fn = fail_random;
    memset(a, 0xff, sizeof a);
    a[(521 - 1) / FMCP_LIMB_BITS] = ((fmcp__limb)1 << (521 % FMCP_LIMB_BITS)) - 1;
    fmcp_set_hooks(&h);
    CHECK_EQ_INT(fmcp__bn_is_probable_prime(a, (521 + FMCP_LIMB_BITS - 1) / FMCP_LIMB_BITS, 50, &ok), FMCP_ERR_RANDOM);
    fmcp_set_hooks(NULL);
    CHECK(ok == 0);
}

/* Wycheproof primality_test.json: value is big-endian two's complement hex.
 * valid = prime, invalid = composite; acceptable (negatives of primes) are
 * decided strictly: a negative number is never prime. */
static void test_wycheproof_primality(void)
{
    char path[1200];
    const char *dir = t_vectors_dir();
    char *text;
    size_t len, count = 0;
    fmcp_json_doc *doc = NULL;
    const fmcp_json *g, *t;
    if (!dir) T_SKIP("../shared/vectors absent");
    snprintf(path, sizeof path, "%s/wycheproof/testvectors_v1/primality_test.json", dir);
    text = t_read_file(path, &len);
    if (!text) T_SKIP("%s absent", path);
    CHECK_OK(fmcp_json_parse(text, len, NULL, &doc, NULL));
    if (!doc) { free(text); return; }
    for (g = fmcp_json_first(fmcp_json_get(fmcp_json_root(doc), "testGroups")); g; g = fmcp_json_next(g)) {
        for (t = fmcp_json_first(fmcp_json_get(g, "tests")); t; t = fmcp_json_next(t)) {
            const char *hex = fmcp_json_get_str(t, "value", "");
            const char *res = fmcp_json_get_str(t, "result", "");
            long id = (long)fmcp_json_get_int(t, "tcId", -1);
            unsigned char buf[512];
            long bl = t_hex(hex, buf, sizeof buf);
            fmcp__limb a[NL];
            int prime = 0;
            CHECKF(bl >= 0, "tc %ld: bad hex", id);
            if (bl < 0) continue;
            if (bl > 0 && (buf[0] & 0x80)) prime = 0; /* negative */
            else {
                size_t n = fmcp__bn_limbs_for_bytes((size_t)bl);
                if (n == 0) n = 1;
                CHECK_OK(fmcp__bn_from_bytes(a, n, buf, (size_t)bl));
                CHECK_OK(fmcp__bn_is_probable_prime(a, n, 24, &prime)); /* 2^-48 per composite: plenty for a test */
            }
            CHECKF(prime == (strcmp(res, "valid") == 0), "tc %ld (%s): got %d", id, res, prime);
            count++;
        }
    }
    CHECKF(count >= 300, "only %zu vectors", count);
    fmcp_json_doc_destroy(doc);
    free(text);
}

int main(void)
{
    T_RUN(test_bytes);
    T_RUN(test_arith);
    T_RUN(test_montgomery);
    T_RUN(test_montgomery_odd_sizes);
    T_RUN(test_montgomery_sweep);
    T_RUN(test_mod_exp_ifma);
    T_RUN(test_inverse);
    T_RUN(test_primes_small);
    T_RUN(test_prime_random_failure);
    T_RUN(test_wycheproof_primality);
    return t_finish("bn");
}
