#include "storage/sqlite/sqlite_viewers.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace mina::storage {

std::unique_ptr<WalIndexWatch> WalIndexWatch::open(const std::string& shm_path) {
    const int fd = ::open(shm_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    struct stat st {};
    void* base = MAP_FAILED;
    constexpr std::size_t kBytes = 4096;  // the header is in the first page
    if (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) >= kBytes)
        base = ::mmap(nullptr, kBytes, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (base == MAP_FAILED) return nullptr;
    return std::unique_ptr<WalIndexWatch>(new WalIndexWatch(base, kBytes));
}

WalIndexWatch::~WalIndexWatch() { ::munmap(const_cast<void*>(base_), bytes_); }

WalIndexHeader WalIndexWatch::header() const {
    std::atomic_thread_fence(std::memory_order_acquire);
    WalIndexHeader h;
    std::memcpy(h.data(), base_, h.size());
    return h;
}

WalIndexHeader SqliteViewers::settle() {
    const WalIndexHeader now = watch_->header();
    if (now != seen_) {
        kept_.clear();
        seen_ = now;
    }
    return now;
}

std::optional<Viewing> SqliteViewers::find(const std::string& id_hash) {
    std::shared_ptr<const Viewing> found;
    {
        std::lock_guard lock(mu_);
        settle();
        if (const auto it = kept_.find(id_hash); it != kept_.end()) found = it->second;
    }
    if (!found) {
        misses_.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
    }
    hits_.fetch_add(1, std::memory_order_relaxed);
    return *found;
}

void SqliteViewers::keep(const std::string& id_hash, const Viewing& v, const WalIndexHeader& at_begin) {
    auto copy = std::make_shared<const Viewing>(v);
    std::lock_guard lock(mu_);
    if (settle() != at_begin) return;  // something was committed since the read began
    if (kept_.size() >= capacity_) kept_.clear();
    kept_.insert_or_assign(id_hash, std::move(copy));
}

std::uint64_t SqliteViewers::hits() const { return hits_.load(std::memory_order_relaxed); }

std::uint64_t SqliteViewers::misses() const { return misses_.load(std::memory_order_relaxed); }

std::size_t SqliteViewers::size() const {
    std::lock_guard lock(mu_);
    return kept_.size();
}

}  // namespace mina::storage
