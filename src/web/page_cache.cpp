#include "web/page_cache.hpp"

namespace mina::web {

std::optional<std::string> PageCache::get(const std::string& key, std::int64_t generation) {
    if (capacity_ == 0) return std::nullopt;
    std::lock_guard lock(mutex_);
    const auto it = by_key_.find(key);
    if (it == by_key_.end()) return std::nullopt;
    if (it->second->generation != generation) {  // made before the data changed
        pages_.erase(it->second);
        by_key_.erase(it);
        return std::nullopt;
    }
    pages_.splice(pages_.begin(), pages_, it->second);
    return it->second->body;
}

void PageCache::put(const std::string& key, std::int64_t generation, std::string body) {
    if (capacity_ == 0 || body.size() > kLargestPage) return;
    std::lock_guard lock(mutex_);
    if (const auto it = by_key_.find(key); it != by_key_.end()) {
        pages_.erase(it->second);
        by_key_.erase(it);
    }
    pages_.push_front(Page{key, generation, std::move(body)});
    by_key_.emplace(key, pages_.begin());
    while (pages_.size() > capacity_) {
        by_key_.erase(pages_.back().key);
        pages_.pop_back();
    }
}

}  // namespace mina::web
