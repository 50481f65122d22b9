#include "storage/sqlite/sqlite_viewers.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <utility>

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

SqliteViewers::SqliteViewers(std::unique_ptr<WalIndexWatch> watch) : watch_(std::move(watch)) {
    cache_.set_listening(true);  // every change is seen: the header is read before each use
}

SqliteViewers::Settled SqliteViewers::settle() {
    const WalIndexHeader now = watch_->header();
    std::lock_guard lock(mu_);
    if (now != seen_) {
        seen_ = now;
        cache_.forget("*");
    }
    return {now, cache_.epoch()};
}

std::optional<Viewing> SqliteViewers::find(const std::string& id_hash) {
    settle();
    return cache_.find(id_hash);
}

void SqliteViewers::keep(const std::string& id_hash, const Viewing& v, const WalIndexHeader& at_begin) {
    const Settled now = settle();
    if (now.header != at_begin) return;  // something was committed since the read began
    cache_.keep(id_hash, v, now.epoch);  // unless another thread saw a newer header meanwhile
}

}  // namespace mina::storage
