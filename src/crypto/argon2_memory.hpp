// Argon2id's working memory, kept by each hashing thread from one hash to the next.
//
// Allocating Argon2's m bytes afresh for every hash means mapping, faulting in and zeroing them, and
// tearing them down again: with libargon2 and the server's parameters (19 MiB) that is about 28 ms
// of CPU a hash with fresh memory against 25 ms with kept memory on the 2-core VM this project is
// measured on (bench/README.md). libargon2 asks its caller for the memory through the context's
// allocate_cbk and free_cbk; these two functions are those callbacks. While a KeptArgon2Memory lives
// on a thread, they hand a hash that thread's kept block (mapped once, grown only when a hash needs
// more) and take it back without unmapping it; otherwise they allocate and free fresh memory.
//
// libargon2 wipes the memory before it gives it back, so between hashes the block holds zeros, not
// Argon2 blocks; it is marked to be left out of core dumps all the same.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mina::crypto {

/// While alive, the Argon2 hashes on this thread use the thread's kept memory. Nesting is allowed
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

/// libargon2's allocate_cbk: the thread's kept block while a KeptArgon2Memory lives on the thread,
/// else fresh memory. 0 on success, -22 (ARGON2_MEMORY_ALLOCATION_ERROR) when there is none.
int allocate_argon2_memory(std::uint8_t** memory, std::size_t bytes);

/// libargon2's free_cbk: gives the kept block back to the thread, frees anything else.
void free_argon2_memory(std::uint8_t* memory, std::size_t bytes);

/// Counts over all threads, for tests and the benchmark.
struct KeptMemoryCounts {
    std::uint64_t lent = 0;    // hashes that used a thread's kept memory
    std::uint64_t mapped = 0;  // kept mappings made (once per thread, again only when a hash needs more)
    std::uint64_t fresh = 0;   // hashes that got fresh memory (no KeptArgon2Memory on their thread)
};
[[nodiscard]] KeptMemoryCounts kept_memory_counts();

/// The size of this thread's kept mapping (0: none yet).
[[nodiscard]] std::size_t kept_memory_bytes();

/// This thread's kept mapping (nullptr: none yet), for tests.
[[nodiscard]] const void* kept_memory_base();

}  // namespace mina::crypto
