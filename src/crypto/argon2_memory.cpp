// See argon2_memory.hpp. The program defines mmap and munmap itself; the dynamic linker binds every
// shared library's calls (libsodium's among them) to these, and they forward to the next definition
// (the C library's, or a sanitizer's in sanitizer builds) unless this thread has lent its kept memory
// out for a hash.
#include "crypto/argon2_memory.hpp"

#include <dlfcn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace mina::crypto {
namespace {

using MmapFn = void* (*)(void*, std::size_t, int, int, int, off_t);
using MunmapFn = int (*)(void*, std::size_t);

std::atomic<MmapFn> next_mmap{nullptr};
std::atomic<MunmapFn> next_munmap{nullptr};

void* forward_mmap(void* addr, std::size_t len, int prot, int flags, int fd, off_t offset) {
    MmapFn f = next_mmap.load(std::memory_order_acquire);
    if (f == nullptr) {
        // dlsym allocates through malloc, whose own mappings never come here (the C library maps
        // for itself without going through its exported mmap), so this cannot recurse.
        f = reinterpret_cast<MmapFn>(::dlsym(RTLD_NEXT, "mmap"));
        if (f == nullptr) {
            const long r = ::syscall(SYS_mmap, addr, len, prot, flags, fd, offset);
            return reinterpret_cast<void*>(r);  // -1 is MAP_FAILED, with errno set
        }
        next_mmap.store(f, std::memory_order_release);
    }
    return f(addr, len, prot, flags, fd, offset);
}

int forward_munmap(void* addr, std::size_t len) {
    MunmapFn f = next_munmap.load(std::memory_order_acquire);
    if (f == nullptr) {
        f = reinterpret_cast<MunmapFn>(::dlsym(RTLD_NEXT, "munmap"));
        if (f == nullptr) return static_cast<int>(::syscall(SYS_munmap, addr, len));
        next_munmap.store(f, std::memory_order_release);
    }
    return f(addr, len);
}

// Trivially destructible, so the hooks may read it at any moment of a thread's life, even while the
// thread's other thread_local objects are being destroyed.
struct Kept {
    void* base = nullptr;
    std::size_t bytes = 0;
    bool armed = false;  // a KeptArgon2Memory is alive on this thread
    bool lent = false;   // base is out, to the hash that is running
};
constinit thread_local Kept t_kept{};

// Unmaps the thread's kept memory when the thread ends.
struct Reaper {
    Reaper() = default;
    Reaper(const Reaper&) = delete;
    Reaper& operator=(const Reaper&) = delete;
    ~Reaper() {
        if (t_kept.base != nullptr) (void)forward_munmap(t_kept.base, t_kept.bytes);
        t_kept = Kept{};
    }
};
thread_local Reaper t_reaper;

std::atomic<std::uint64_t> lent_count{0};
std::atomic<std::uint64_t> mapped_count{0};

constexpr int kNotLendable = MAP_SHARED | MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_GROWSDOWN | MAP_STACK | MAP_HUGETLB;

bool lendable(const void* addr, int prot, int flags, int fd) {
    return t_kept.armed && !t_kept.lent && addr == nullptr && fd == -1 && prot == (PROT_READ | PROT_WRITE) &&
           (flags & MAP_ANONYMOUS) != 0 && (flags & MAP_PRIVATE) != 0 && (flags & kNotLendable) == 0;
}

// Maps `len` bytes or more, on whole 2 MiB pages where the kernel gives them: Argon2 reads its blocks
// at random across the whole memory, and on small pages most of those reads miss the TLB.
void* map_kept(std::size_t len, int prot, int flags) {
    constexpr std::uintptr_t kHuge = 2u << 20;
    const std::size_t bytes = (len + kHuge - 1) & ~(kHuge - 1);
    void* raw = forward_mmap(nullptr, bytes + kHuge, prot, flags & ~MAP_POPULATE, -1, 0);
    if (raw == MAP_FAILED) return raw;
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kHuge - 1) & ~(kHuge - 1);
    if (aligned > start) (void)forward_munmap(raw, aligned - start);
    if (start + kHuge > aligned) (void)forward_munmap(reinterpret_cast<void*>(aligned + bytes), start + kHuge - aligned);
    void* p = reinterpret_cast<void*>(aligned);
    (void)::madvise(p, bytes, MADV_HUGEPAGE);
    (void)::madvise(p, bytes, MADV_DONTDUMP);
    if ((flags & MAP_POPULATE) != 0) (void)::madvise(p, bytes, MADV_POPULATE_WRITE);
    t_kept.base = p;
    t_kept.bytes = bytes;
    mapped_count.fetch_add(1, std::memory_order_relaxed);
    return p;
}

void* lend(std::size_t len, int prot, int flags) {
    if (len > t_kept.bytes) {
        if (t_kept.base != nullptr) (void)forward_munmap(t_kept.base, t_kept.bytes);
        t_kept = Kept{.armed = true};
        if (map_kept(len, prot, flags) == MAP_FAILED) return MAP_FAILED;
    }
    t_kept.lent = true;
    lent_count.fetch_add(1, std::memory_order_relaxed);
    return t_kept.base;
}

}  // namespace

KeptArgon2Memory::KeptArgon2Memory() noexcept : outer_(!t_kept.armed) {
    if (!outer_) return;
    (void)&t_reaper;  // constructed now, outside the hooks, so the thread's exit unmaps the memory
    t_kept.armed = true;
}

KeptArgon2Memory::~KeptArgon2Memory() {
    if (!outer_) return;
    t_kept.armed = false;
    t_kept.lent = false;  // a hash that failed before unmapping: the memory is ours again all the same
}

KeptMemoryCounts kept_memory_counts() {
    return {lent_count.load(std::memory_order_relaxed), mapped_count.load(std::memory_order_relaxed)};
}

std::size_t kept_memory_bytes() { return t_kept.bytes; }

}  // namespace mina::crypto

extern "C" void* mmap(void* addr, std::size_t len, int prot, int flags, int fd, off_t offset) noexcept {
    if (mina::crypto::lendable(addr, prot, flags, fd)) return mina::crypto::lend(len, prot, flags);
    return mina::crypto::forward_mmap(addr, len, prot, flags, fd, offset);
}

extern "C" int munmap(void* addr, std::size_t len) noexcept {
    if (mina::crypto::t_kept.lent && addr == mina::crypto::t_kept.base && len <= mina::crypto::t_kept.bytes) {
        mina::crypto::t_kept.lent = false;
        return 0;
    }
    return mina::crypto::forward_munmap(addr, len);
}
