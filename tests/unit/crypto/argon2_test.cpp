// Argon2id as libsodium ships it: a hash carries the server's cost (m = 19 MiB, t = 2, p = 1, SPEC
// §4) and verifies only its password; a string that is not a hash never verifies; and no libc
// function is redefined to make hashing faster (issue [8] item 4: the program used to define
// mmap/munmap for the whole process).
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "crypto/sodium.hpp"

namespace mina {
namespace {

TEST(Argon2, AHashCarriesTheServersCostAndVerifiesOnlyItsPassword) {
    crypto::Argon2idHasher hasher;  // the server's defaults
    const std::string pw = "Mina-demo-2026!";
    const std::string h = hasher.hash(pw);
    const std::string cost = "$argon2id$v=19$m=19456,t=2,p=1$";
    ASSERT_EQ(h.substr(0, cost.size()), cost) << h;
    const std::string rest = h.substr(cost.size());  // the salt (22) and the hash (43), unpadded base64
    ASSERT_EQ(rest.size(), 22u + 1u + 43u) << h;
    EXPECT_EQ(rest[22], '$') << h;
    const auto base64 = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/'; };
    EXPECT_TRUE(std::all_of(rest.begin(), rest.begin() + 22, base64) &&
                std::all_of(rest.begin() + 23, rest.end(), base64))
        << h;
    EXPECT_TRUE(hasher.verify(h, pw));
    EXPECT_FALSE(hasher.verify(h, "Mina-demo-2026?"));
    EXPECT_NE(hasher.hash(pw), h) << "a fresh salt every time";
    EXPECT_EQ(crypto_pwhash_str_needs_rehash(h.c_str(), 2, 19u << 20), 0);
}

TEST(Argon2, AStringThatIsNotAHashNeverVerifies) {
    crypto::Argon2idHasher hasher({1, 64u << 10});
    const std::string good = hasher.hash("lösen");
    ASSERT_TRUE(hasher.verify(good, "lösen"));
    const std::string tail = good.substr(good.find(",t="));
    for (const std::string& bad :
         {std::string(), std::string("lösen"), "$argon2d" + good.substr(9), "$argon2id$v=16" + good.substr(14),
          "$argon2id$v=19$m=x" + tail, good.substr(0, good.size() - 1) + "!", good.substr(0, good.rfind('$')),
          "$argon2id$v=19$m=64,t=0,p=1" + good.substr(good.find("p=1$") + 3)})
        EXPECT_FALSE(hasher.verify(bad, "lösen")) << bad;
    hasher.verify_dummy("lösen");  // answers in the time of a hash, and never throws
}

#if defined(__SANITIZE_ADDRESS__)
#define MINA_INTERPOSING_SANITIZER 1  // the sanitizer's runtime interposes these on purpose
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MINA_INTERPOSING_SANITIZER 1
#endif
#endif

TEST(Argon2, NoLibcFunctionIsRedefined) {
#ifdef MINA_INTERPOSING_SANITIZER
    GTEST_SKIP() << "the sanitizer's runtime defines these";
#else
    // Every library's calls to these reach the C library: the program defines none of its own.
    for (const char* name : {"mmap", "munmap", "malloc", "free"}) {
        Dl_info info{};
        const void* f = ::dlsym(RTLD_DEFAULT, name);
        ASSERT_NE(f, nullptr) << name;
        ASSERT_NE(::dladdr(f, &info), 0) << name;
        const std::string file = info.dli_fname;
        EXPECT_NE(file.find("/libc.so"), std::string::npos) << name << " comes from " << file;
    }
#endif
}

}  // namespace
}  // namespace mina
