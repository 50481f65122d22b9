// Argon2id's kept memory: libsodium really uses it, the hashes are the same as with fresh memory,
// and no other mapping in the process is touched.
#include "crypto/argon2_memory.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <string>
#include <thread>
#include <vector>

#include "crypto/sodium.hpp"

namespace mina {
namespace {

using crypto::KeptArgon2Memory;
using crypto::kept_memory_counts;

using Key = std::array<unsigned char, 32>;

Key argon2id(const std::string& password, std::size_t mem_bytes) {
    Key out{};
    const std::array<unsigned char, crypto_pwhash_SALTBYTES> salt{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    EXPECT_EQ(crypto_pwhash(out.data(), out.size(), password.data(), password.size(), salt.data(), 1, mem_bytes,
                            crypto_pwhash_ALG_ARGON2ID13),
              0);
    return out;
}

/// Runs `f` on a thread of its own: a new thread has no kept memory yet.
template <typename F>
void on_new_thread(F f) {
    std::thread t(f);
    t.join();
}

TEST(KeptArgon2Memory, GivesTheSameHashesAsFreshMemoryAndIsReused) {
    crypto::init();
    const std::vector<std::pair<std::string, std::size_t>> cases = {
        {"Mina-demo-2026!", 256u << 10}, {"ett annat lösen", 3u << 20}, {"Mina-demo-2026!", 512u << 10},
        {"ett annat lösen", 3u << 20},   {"Mina-demo-2026!", 256u << 10}};
    std::vector<Key> fresh;
    for (const auto& [pw, mem] : cases) fresh.push_back(argon2id(pw, mem));

    const auto before = kept_memory_counts();
    std::vector<Key> kept;
    std::size_t bytes = 0;
    on_new_thread([&] {
        for (const auto& [pw, mem] : cases) {
            const KeptArgon2Memory lend;
            kept.push_back(argon2id(pw, mem));
        }
        bytes = crypto::kept_memory_bytes();
    });
    const auto after = kept_memory_counts();

    EXPECT_EQ(kept, fresh);  // each hash starts on the blocks the one before left behind
    EXPECT_EQ(after.lent - before.lent, cases.size());
    EXPECT_EQ(after.mapped - before.mapped, 2u);  // 256 KiB, then 3 MiB, which serves the rest
    EXPECT_EQ(bytes, 4u << 20);                   // whole 2 MiB pages
}

TEST(KeptArgon2Memory, TheHasherVerifiesWithIt) {
    crypto::Argon2idHasher hasher({.ops = 1, .mem_bytes = 1u << 20});
    const std::string stored = hasher.hash("rätt lösenord");
    const auto before = kept_memory_counts();
    std::vector<bool> results;
    on_new_thread([&] {
        results.push_back(hasher.verify(stored, "rätt lösenord"));
        results.push_back(hasher.verify(stored, "fel lösenord"));
        results.push_back(hasher.verify(stored, "rätt lösenord"));
        hasher.verify_dummy("rätt lösenord");
    });
    const auto after = kept_memory_counts();
    EXPECT_EQ(results, (std::vector<bool>{true, false, true}));
    EXPECT_EQ(after.lent - before.lent, 4u);
    EXPECT_EQ(after.mapped - before.mapped, 1u);
}

bool all_zero(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    return std::all_of(b, b + n, [](unsigned char c) { return c == 0; });
}

TEST(KeptArgon2Memory, LeavesEveryOtherMappingAlone) {
    crypto::init();
    constexpr std::size_t kMem = 1u << 20;
    const auto before = kept_memory_counts();
    on_new_thread([&] {
        {
            const KeptArgon2Memory lend;
            (void)argon2id("lämnar block efter sig", kMem);  // the kept memory now holds Argon2 blocks
        }
        // Outside a KeptArgon2Memory: fresh, zeroed memory, really unmapped afterwards.
        void* p = ::mmap(nullptr, kMem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ASSERT_NE(p, MAP_FAILED);
        EXPECT_TRUE(all_zero(p, kMem));
        EXPECT_EQ(::munmap(p, kMem), 0);

        const KeptArgon2Memory lend;
        // Shared memory is never lent, and neither is a second mapping while the first is out.
        void* shared = ::mmap(nullptr, kMem, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        ASSERT_NE(shared, MAP_FAILED);
        EXPECT_TRUE(all_zero(shared, kMem));
        void* first = ::mmap(nullptr, kMem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        void* second = ::mmap(nullptr, kMem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ASSERT_NE(second, MAP_FAILED);
        EXPECT_NE(first, second);
        EXPECT_FALSE(all_zero(first, kMem));  // the kept memory, as the hash left it
        EXPECT_TRUE(all_zero(second, kMem));
        EXPECT_EQ(::munmap(second, kMem), 0);
        EXPECT_EQ(::munmap(first, kMem), 0);  // given back, not unmapped
        EXPECT_EQ(::munmap(shared, kMem), 0);
    });
    const auto after = kept_memory_counts();
    EXPECT_EQ(after.lent - before.lent, 2u);
    EXPECT_EQ(after.mapped - before.mapped, 1u);
}

}  // namespace
}  // namespace mina
