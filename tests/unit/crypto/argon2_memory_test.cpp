// Argon2id through libargon2 with each hashing thread's kept memory: the hashes are libsodium's
// (each verifies the other's), the kept block is reused from hash to hash and handed to libargon2
// through its callbacks only, and no libc function is redefined to do it.
#include "crypto/argon2_memory.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "crypto/argon2.hpp"
#include "crypto/sodium.hpp"

namespace mina {
namespace {

using crypto::KeptArgon2Memory;
using crypto::kept_memory_counts;

/// Runs `f` on a thread of its own: a new thread has no kept memory yet.
template <typename F>
void on_new_thread(F f) {
    std::thread t(f);
    t.join();
}

bool all_zero(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    return std::all_of(b, b + n, [](unsigned char c) { return c == 0; });
}

TEST(Argon2, AHashFromLibsodiumVerifiesHereAndOneFromHereVerifiesWithLibsodium) {
    crypto::init();
    const std::string pw = "Mina-demo-2026!";
    std::array<char, crypto_pwhash_STRBYTES> theirs{};
    ASSERT_EQ(crypto_pwhash_str_alg(theirs.data(), pw.data(), pw.size(), 2, 1u << 20, crypto_pwhash_ALG_ARGON2ID13), 0);
    EXPECT_TRUE(crypto::argon2_verify_encoded(theirs.data(), pw));
    EXPECT_FALSE(crypto::argon2_verify_encoded(theirs.data(), "Mina-demo-2026?"));

    const std::string ours = crypto::argon2id_encoded(pw, 2, 1024);
    EXPECT_TRUE(std::regex_match(ours, std::regex(R"(\$argon2id\$v=19\$m=1024,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43})")))
        << ours;
    EXPECT_EQ(crypto_pwhash_str_verify(ours.c_str(), pw.data(), pw.size()), 0);
    EXPECT_NE(crypto_pwhash_str_verify(ours.c_str(), "fel", 3), 0);
    EXPECT_EQ(crypto_pwhash_str_needs_rehash(ours.c_str(), 2, 1u << 20), 0);  // the cost libsodium reads is ours
    EXPECT_TRUE(crypto::argon2_verify_encoded(ours, pw));
}

TEST(Argon2, ReadsLibsodiumsArgon2iAndOtherCostsToo) {
    crypto::init();
    const std::string pw = "ett annat lösen";
    std::array<char, crypto_pwhash_STRBYTES> argon2i{};
    ASSERT_EQ(crypto_pwhash_str_alg(argon2i.data(), pw.data(), pw.size(), 3, 512u << 10, crypto_pwhash_ALG_ARGON2I13), 0);
    EXPECT_TRUE(crypto::argon2_verify_encoded(argon2i.data(), pw));
    EXPECT_FALSE(crypto::argon2_verify_encoded(argon2i.data(), "ett annat lösen!"));
}

TEST(Argon2, AStringThatIsNotAHashNeverVerifies) {
    crypto::init();
    const std::string good = crypto::argon2id_encoded("lösen", 1, 64);
    ASSERT_TRUE(crypto::argon2_verify_encoded(good, "lösen"));
    const std::string tail = good.substr(good.find(",t="));
    for (const std::string& bad :
         {std::string(), std::string("lösen"), "$argon2d" + good.substr(9), "$argon2id$v=16" + good.substr(14),
          "$argon2id$v=19$m=x" + tail, "$argon2id$v=19$m=64" + tail.substr(0, tail.size() - 1) + "!",
          good.substr(0, good.rfind('$')), good + "=", "$argon2id$v=19$m=64,t=0,p=1" + good.substr(good.find("p=1$") + 3),
          "$argon2id$v=19$m=64,t=1,p=1$AAAA$" + good.substr(good.rfind('$') + 1)})
        EXPECT_FALSE(crypto::argon2_verify_encoded(bad, "lösen")) << bad;
}

TEST(KeptArgon2Memory, EachThreadReusesOneBlockAndMapsNothingPerHash) {
    crypto::init();
    const auto before = kept_memory_counts();
    std::vector<bool> results;
    std::size_t bytes = 0;
    const void* base = nullptr;
    bool same_block = true;
    on_new_thread([&] {
        for (const std::uint32_t m_kib : {256u, 3072u, 512u, 3072u, 256u}) {
            const KeptArgon2Memory kept;
            const std::string h = crypto::argon2id_encoded("Mina-demo-2026!", 1, m_kib);
            results.push_back(crypto::argon2_verify_encoded(h, "Mina-demo-2026!"));
            if (m_kib == 3072u && base == nullptr) base = crypto::kept_memory_base();
            if (base != nullptr) same_block = same_block && crypto::kept_memory_base() == base;
        }
        bytes = crypto::kept_memory_bytes();
    });
    const auto after = kept_memory_counts();
    EXPECT_EQ(results, std::vector<bool>(5, true));
    EXPECT_TRUE(same_block);
    EXPECT_EQ(after.lent - before.lent, 10u);     // five hashes and five verifications
    EXPECT_EQ(after.mapped - before.mapped, 2u);  // 256 KiB, then 3 MiB, which serves the rest
    EXPECT_EQ(after.fresh - before.fresh, 0u);
    EXPECT_EQ(bytes, 4u << 20);  // whole 2 MiB pages
}

TEST(KeptArgon2Memory, TheHasherUsesItAndLeavesOnlyZerosBehind) {
    crypto::Argon2idHasher hasher({.ops = 1, .mem_bytes = 1u << 20});
    const std::string stored = hasher.hash("rätt lösenord");
    EXPECT_EQ(crypto_pwhash_str_verify(stored.c_str(), "rätt lösenord", std::string("rätt lösenord").size()), 0);
    const auto before = kept_memory_counts();
    std::vector<bool> results;
    bool wiped = false;
    on_new_thread([&] {
        results.push_back(hasher.verify(stored, "rätt lösenord"));
        results.push_back(hasher.verify(stored, "fel lösenord"));
        results.push_back(hasher.verify(stored, "rätt lösenord"));
        hasher.verify_dummy("rätt lösenord");
        // Between hashes the block holds no Argon2 blocks: libargon2 wipes it before giving it back.
        wiped = all_zero(crypto::kept_memory_base(), crypto::kept_memory_bytes());
    });
    const auto after = kept_memory_counts();
    EXPECT_EQ(results, (std::vector<bool>{true, false, true}));
    EXPECT_TRUE(wiped);
    EXPECT_EQ(after.lent - before.lent, 4u);
    EXPECT_EQ(after.mapped - before.mapped, 1u);
}

TEST(KeptArgon2Memory, WithoutItAHashGetsFreshMemoryAndTheThreadKeepsNone) {
    crypto::init();
    const auto before = kept_memory_counts();
    std::size_t bytes = 1;
    bool ok = false;
    on_new_thread([&] {
        ok = crypto::argon2_verify_encoded(crypto::argon2id_encoded("lösen", 1, 256), "lösen");
        bytes = crypto::kept_memory_bytes();
    });
    const auto after = kept_memory_counts();
    EXPECT_TRUE(ok);
    EXPECT_EQ(bytes, 0u);
    EXPECT_EQ(after.fresh - before.fresh, 2u);
    EXPECT_EQ(after.lent - before.lent, 0u);
}

TEST(KeptArgon2Memory, TheCallbacksLendTheBlockOnceAndFreeAnythingElse) {
    const auto before = kept_memory_counts();
    on_new_thread([&] {
        const KeptArgon2Memory kept;
        const KeptArgon2Memory nested;  // does nothing
        std::uint8_t* first = nullptr;
        std::uint8_t* second = nullptr;
        ASSERT_EQ(crypto::allocate_argon2_memory(&first, 1u << 20), 0);
        EXPECT_EQ(first, crypto::kept_memory_base());
        ASSERT_EQ(crypto::allocate_argon2_memory(&second, 1u << 20), 0);  // the block is out: fresh memory
        EXPECT_NE(second, first);
        crypto::free_argon2_memory(second, 1u << 20);
        crypto::free_argon2_memory(first, 1u << 20);  // given back, still mapped
        first[0] = 1;
        std::uint8_t* again = nullptr;
        ASSERT_EQ(crypto::allocate_argon2_memory(&again, 1u << 20), 0);
        EXPECT_EQ(again, first);
        crypto::free_argon2_memory(again, 1u << 20);
    });
    const auto after = kept_memory_counts();
    EXPECT_EQ(after.lent - before.lent, 2u);
    EXPECT_EQ(after.fresh - before.fresh, 1u);
    EXPECT_EQ(after.mapped - before.mapped, 1u);
}

#if defined(__SANITIZE_ADDRESS__)
#define MINA_INTERPOSING_SANITIZER 1  // the sanitizer's runtime interposes these on purpose
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MINA_INTERPOSING_SANITIZER 1
#endif
#endif

TEST(KeptArgon2Memory, NoLibcFunctionIsRedefined) {
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
