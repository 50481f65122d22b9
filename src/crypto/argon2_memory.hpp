// Argon2id's working memory, kept by each hashing thread from one hash to the next.
//
// libsodium maps Argon2's memory afresh for every hash (an anonymous mmap, MAP_POPULATE) and unmaps it
// afterwards, so every login pays for mapping, faulting in and zeroing m bytes and for tearing them
// down again. On the 2-core VM this project is measured on, that is about three quarters of a hash
// (19 MiB: 40 ms with a fresh mapping, 11 ms with a kept one; bench/README.md). libsodium has no way
// to hand it memory, so this module lends it some: while a KeptArgon2Memory lives on a thread, the
// first anonymous private mapping that thread asks for is served from a mapping the thread keeps, and
// unmapping that address only gives it back. Every other mmap and munmap in the process, and any on
// this thread outside that window, goes to the C library unchanged.
//
// What the memory holds between hashes is Argon2's blocks of the last hash on that thread: derived
// from a password, never the password. It stays inside the process, and it is marked to be left out
// of core dumps (libsodium's own mappings are not).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mina::crypto {

/// While alive, the next Argon2 hash on this thread uses the thread's kept memory. Nesting is allowed
/// (the inner one does nothing).
class KeptArgon2Memory {
   public:
    KeptArgon2Memory() noexcept;
    ~KeptArgon2Memory();
    KeptArgon2Memory(const KeptArgon2Memory&) = delete;
    KeptArgon2Memory& operator=(const KeptArgon2Memory&) = delete;

   private:
    bool outer_;
};

/// Counts over all threads, for tests and the benchmark.
struct KeptMemoryCounts {
    std::uint64_t lent = 0;    // hashes that used a thread's kept memory
    std::uint64_t mapped = 0;  // kept mappings made (once per thread, again only when a hash needs more)
};
[[nodiscard]] KeptMemoryCounts kept_memory_counts();

/// The size of this thread's kept mapping (0: none yet).
[[nodiscard]] std::size_t kept_memory_bytes();

}  // namespace mina::crypto
