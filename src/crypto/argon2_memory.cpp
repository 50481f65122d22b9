// See argon2_memory.hpp. libargon2 calls these through the argon2_context that crypto/argon2.cpp
// fills in; nothing else in the process goes through them.
#include "crypto/argon2_memory.hpp"

#include <sys/mman.h>

#include <atomic>
#include <cstdlib>

namespace mina::crypto {
namespace {

constexpr int kAllocationError = -22;  // ARGON2_MEMORY_ALLOCATION_ERROR

// The thread's kept block, unmapped when the thread ends.
struct Kept {
    Kept() = default;
    Kept(const Kept&) = delete;
    Kept& operator=(const Kept&) = delete;
    ~Kept() { release(); }

    void release() {
        if (base != nullptr) (void)::munmap(base, bytes);
        base = nullptr;
        bytes = 0;
    }

    void* base = nullptr;
    std::size_t bytes = 0;
    bool armed = false;  // a KeptArgon2Memory is alive on this thread
    bool lent = false;   // base is out, to the hash that is running
};
thread_local Kept t_kept;

std::atomic<std::uint64_t> lent_count{0};
std::atomic<std::uint64_t> mapped_count{0};
std::atomic<std::uint64_t> fresh_count{0};

// Maps `len` bytes or more on whole 2 MiB pages where the kernel gives them: Argon2 reads its blocks
// at random across the whole memory, and on small pages most of those reads miss the TLB.
bool map_kept(std::size_t len) {
    constexpr std::uintptr_t kHuge = 2u << 20;
    const std::size_t bytes = (len + kHuge - 1) & ~(kHuge - 1);
    void* raw = ::mmap(nullptr, bytes + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return false;
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kHuge - 1) & ~(kHuge - 1);
    if (aligned > start) (void)::munmap(raw, aligned - start);
    if (start + kHuge > aligned) (void)::munmap(reinterpret_cast<void*>(aligned + bytes), start + kHuge - aligned);
    void* p = reinterpret_cast<void*>(aligned);
    (void)::madvise(p, bytes, MADV_HUGEPAGE);
    (void)::madvise(p, bytes, MADV_DONTDUMP);
    t_kept.base = p;
    t_kept.bytes = bytes;
    mapped_count.fetch_add(1, std::memory_order_relaxed);
    return true;
}

}  // namespace

KeptArgon2Memory::KeptArgon2Memory() noexcept : outer_(!t_kept.armed) {
    if (outer_) t_kept.armed = true;
}

KeptArgon2Memory::~KeptArgon2Memory() {
    if (!outer_) return;
    t_kept.armed = false;
    t_kept.lent = false;  // a hash that failed before freeing: the memory is ours again all the same
}

int allocate_argon2_memory(std::uint8_t** memory, std::size_t bytes) {
    if (!t_kept.armed || t_kept.lent) {
        *memory = static_cast<std::uint8_t*>(std::malloc(bytes));
        if (*memory == nullptr) return kAllocationError;
        fresh_count.fetch_add(1, std::memory_order_relaxed);
        return 0;
    }
    if (bytes > t_kept.bytes) {
        t_kept.release();
        if (!map_kept(bytes)) return kAllocationError;
    }
    t_kept.lent = true;
    lent_count.fetch_add(1, std::memory_order_relaxed);
    *memory = static_cast<std::uint8_t*>(t_kept.base);
    return 0;
}

void free_argon2_memory(std::uint8_t* memory, std::size_t /*bytes*/) {
    if (t_kept.lent && memory == t_kept.base) {
        t_kept.lent = false;
        return;
    }
    std::free(memory);
}

KeptMemoryCounts kept_memory_counts() {
    return {lent_count.load(std::memory_order_relaxed), mapped_count.load(std::memory_order_relaxed),
            fresh_count.load(std::memory_order_relaxed)};
}

std::size_t kept_memory_bytes() { return t_kept.bytes; }

const void* kept_memory_base() { return t_kept.base; }

}  // namespace mina::crypto
