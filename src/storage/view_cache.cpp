#include "storage/view_cache.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

namespace mina::storage {

std::optional<Viewing> ViewCache::find(const std::string& id_hash) {
    if (!listening()) return std::nullopt;
    {
        std::lock_guard lock(mu_);
        if (auto it = viewers_.find(id_hash); it != viewers_.end()) {
            hits_.fetch_add(1, std::memory_order_relaxed);
            return it->second;
        }
    }
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
}

void ViewCache::keep(const std::string& id_hash, const Viewing& v, std::uint64_t read_at_epoch) {
    std::lock_guard lock(mu_);
    if (!listening() || epoch_.load(std::memory_order_relaxed) != read_at_epoch) return;
    if (viewers_.size() >= capacity_ && !viewers_.contains(id_hash)) return;  // full: read again next time
    viewers_.insert_or_assign(id_hash, v);
}

void ViewCache::touched(const std::string& id_hash, Timestamp at) {
    std::lock_guard lock(mu_);
    if (auto it = viewers_.find(id_hash); it != viewers_.end() && it->second.session.last_seen_at < at)
        it->second.session.last_seen_at = at;
}

void ViewCache::drop(const std::string& id_hash) {
    std::lock_guard lock(mu_);
    viewers_.erase(id_hash);
}

void ViewCache::forget(std::string_view notice) {
    std::lock_guard lock(mu_);
    epoch_.fetch_add(1, std::memory_order_release);
    if (notice.starts_with("s:")) {
        viewers_.erase(std::string(notice.substr(2)));
        return;
    }
    std::int64_t person = 0;
    const auto id = notice.substr(std::min<std::size_t>(2, notice.size()));
    const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), person);
    if (notice.starts_with("p:") && ec == std::errc{} && end == id.data() + id.size()) {
        std::erase_if(viewers_, [&](const auto& kv) { return kv.second.person.id.value() == person; });
        return;
    }
    forget_all_locked();  // "*", or a notice this version does not know: forget too much, never too little
}

void ViewCache::set_listening(bool on) {
    std::lock_guard lock(mu_);
    forget_all_locked();
    listening_.store(on, std::memory_order_release);
}

void ViewCache::forget_all_locked() {
    epoch_.fetch_add(1, std::memory_order_release);
    viewers_.clear();
}

std::size_t ViewCache::size() const {
    std::lock_guard lock(mu_);
    return viewers_.size();
}

}  // namespace mina::storage
