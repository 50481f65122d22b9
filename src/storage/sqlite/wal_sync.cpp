#include "storage/sqlite/wal_sync.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace mina::storage {
namespace {

int fdatasync_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : errno;  // no WAL: nothing was written to one
    const int rc = ::fdatasync(fd) == 0 ? 0 : errno;
    ::close(fd);
    return rc;
}

}  // namespace

WalSync::WalSync(std::string wal_path, SyncFile sync)
    : path_(std::move(wal_path)), sync_(sync ? std::move(sync) : SyncFile(fdatasync_file)) {}

void WalSync::after_commit() {
    std::unique_lock lock(mu_);
    const std::uint64_t mine = ++requested_;
    for (;;) {
        if (synced_ >= mine) return;
        // A failed fsync may have dropped the written pages (Linux marks them clean), so a later
        // success proves nothing about them: from the first failure on, no commit is confirmed.
        if (error_ != 0)
            throw std::runtime_error(std::string("sqlite: the commit could not be written to disk: ") +
                                     std::strerror(error_));
        if (syncing_) {
            cv_.wait(lock);
            continue;
        }
        syncing_ = true;
        const std::uint64_t upto = requested_;  // every one of these has finished its COMMIT
        lock.unlock();
        int rc = 0;
        try {
            rc = sync_(path_);
        } catch (...) {
            rc = EIO;
        }
        lock.lock();
        syncing_ = false;
        ++syncs_;
        if (rc == 0)
            synced_ = upto;
        else
            error_ = rc;
        cv_.notify_all();
    }
}

WalSync::Counts WalSync::counts() const {
    std::lock_guard lock(mu_);
    return {requested_, syncs_};
}

}  // namespace mina::storage
