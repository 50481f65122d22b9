#include "core/studietider/public_search.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <tuple>

#include "core/common/text.hpp"
#include "core/studietider/rules.hpp"

namespace mina::studietider {

namespace {

/// How a period's label is kept beside the words: "\x01" (which no word holds) and the label in
/// lower case, matched whole.
std::string term_key(std::string_view label) { return "\x01" + text::lower_ascii(label); }

/// The first 8 bytes of `word`, big-endian, zero-padded (no word holds a zero byte).
std::uint64_t key_of(std::string_view word) {
    std::uint64_t k = 0;
    for (std::size_t i = 0; i < 8; ++i) k = (k << 8) | (i < word.size() ? static_cast<unsigned char>(word[i]) : 0U);
    return k;
}

/// Keeps the ids of `sorted` that are also in `posting` (both sorted), searching `posting` by
/// galloping from the last place found: about |sorted| × log(|posting| / |sorted|) steps.
template <typename T>
void intersect(std::vector<T>& sorted, const std::vector<T>& posting) {
    std::size_t kept = 0;
    auto from = posting.begin();
    for (const T id : sorted) {
        std::size_t step = 1;
        auto probe = from;
        while (probe != posting.end() && *probe < id) {
            from = probe;
            probe = static_cast<std::size_t>(posting.end() - probe) > step ? probe + static_cast<std::ptrdiff_t>(step)
                                                                           : posting.end();
            step *= 2;
        }
        from = std::lower_bound(from, probe, id);
        if (from == posting.end()) break;
        if (*from == id) sorted[kept++] = id;
    }
    sorted.resize(kept);
}

}  // namespace

std::vector<std::string> split_labels(std::string_view joined) {
    std::vector<std::string> out;
    while (true) {
        const auto at = joined.find('\x1f');
        out.emplace_back(joined.substr(0, at));
        if (at == std::string_view::npos) break;
        joined.remove_prefix(at + 1);
    }
    return out;
}

void SearchIndex::unlink(Slot slot) {
    Entry& e = slots_[slot];
    for (const auto* list_of : {&e.words, &e.terms})
        for (const auto& w : *list_of) {
            auto it = postings_.find(w);
            if (it == postings_.end()) continue;
            auto& list = it->second;
            const auto at = std::lower_bound(list.begin(), list.end(), slot);
            if (at != list.end() && *at == slot) list.erase(at);
            if (list.empty()) postings_.erase(it);
        }
    if (--e.school->second.entries == 0) {
        schools_.erase(e.school);
        schools_ranked_ = false;
    }
    slot_of_.erase(e.id);
    e = Entry{};
    dead_keys_ += key_run_[slot].count;
    key_run_[slot] = {};
    free_.push_back(slot);
}

void SearchIndex::remove(std::int64_t id) {
    const auto it = slot_of_.find(id);
    if (it != slot_of_.end()) unlink(it->second);
}

void SearchIndex::clear() {
    keys_.clear();
    key_run_.clear();
    dead_keys_ = 0;
    slots_.clear();
    free_.clear();
    slot_of_.clear();
    postings_.clear();
    schools_.clear();
    schools_ranked_ = true;
}

void SearchIndex::put(const SearchEntry& e) {
    remove(e.id);
    if (e.withdrawn || e.terms.empty()) return;
    Slot slot = 0;
    if (!free_.empty()) {
        slot = free_.back();
        free_.pop_back();
    } else {
        slot = static_cast<Slot>(slots_.size());
        slots_.emplace_back();
    }
    auto [school, fresh] = schools_.try_emplace(e.school_name);
    if (fresh) schools_ranked_ = false;
    ++school->second.entries;
    Entry& entry = slots_[slot];
    entry = Entry{e.id, school, e.name, index_words(e.school_code, e.school_name, e.code, e.name), {}};
    for (const auto& t : e.terms) entry.terms.push_back(term_key(t));
    std::sort(entry.terms.begin(), entry.terms.end());
    entry.terms.erase(std::unique(entry.terms.begin(), entry.terms.end()), entry.terms.end());
    for (const auto* list_of : {&entry.words, &entry.terms})
        for (const auto& w : *list_of) {
            auto& list = postings_[w];
            list.insert(std::upper_bound(list.begin(), list.end(), slot), slot);
        }
    slot_of_.emplace(e.id, slot);
    if (rank_of_.size() < slots_.size()) rank_of_.resize(slots_.size());
    rank_of_[slot] = school->second.rank;
    write_keys(slot);
}

void SearchIndex::write_keys(Slot slot) {
    if (key_run_.size() < slots_.size()) key_run_.resize(slots_.size());
    if (dead_keys_ > 1024 && dead_keys_ * 2 > keys_.size()) {  // mostly dead: write the live runs anew
        std::vector<std::uint64_t> live;
        live.reserve(keys_.size() - dead_keys_);
        for (auto& run : key_run_) {
            const auto first = static_cast<std::uint32_t>(live.size());
            live.insert(live.end(), keys_.begin() + run.first, keys_.begin() + run.first + run.count);
            run.first = first;
        }
        keys_ = std::move(live);
        dead_keys_ = 0;
    }
    const auto& words = slots_[slot].words;
    key_run_[slot] = {static_cast<std::uint32_t>(keys_.size()), static_cast<std::uint32_t>(words.size())};
    for (const auto& w : words) keys_.push_back(key_of(w));
}

bool SearchIndex::has_word_beginning(Slot slot, std::string_view prefix) const {
    const std::size_t n = std::min<std::size_t>(prefix.size(), 8);
    const std::uint64_t mask = n == 8 ? ~std::uint64_t{0} : ~(~std::uint64_t{0} >> (8 * n));
    const std::uint64_t wanted = key_of(prefix) & mask;
    const KeyRun run = key_run_[slot];
    for (std::uint32_t i = 0; i < run.count; ++i) {
        if ((keys_[run.first + i] & mask) != wanted) continue;
        if (prefix.size() <= 8 || std::string_view(slots_[slot].words[i]).starts_with(prefix)) return true;
    }
    return false;
}

void SearchIndex::rank_schools() const {
    if (schools_ranked_) return;
    std::uint32_t rank = 0;
    for (auto& [name, order] : schools_) order.rank = rank++;
    rank_of_.assign(slots_.size(), 0);
    for (Slot slot = 0; slot < slots_.size(); ++slot)
        if (slots_[slot].id != 0) rank_of_[slot] = slots_[slot].school->second.rank;
    schools_ranked_ = true;
}

SearchIndex::Page SearchIndex::find(const std::vector<std::string>& words, std::string_view term, std::size_t offset,
                                    std::size_t limit) const {
    Page page;
    if (words.empty()) return page;
    // Each word's range of indexed words; the one naming the fewest educations leads.
    struct Range {
        std::string_view word;
        decltype(postings_)::const_iterator first, last;
        bool single = false;  // exactly one indexed word: its slots can be intersected directly
    };
    std::vector<Range> ranges;
    for (const auto& w : words) {
        Range r{w, postings_.lower_bound(w), postings_.lower_bound(prefix_end(w)), false};
        if (r.first == r.last) return page;  // a word nothing begins with: no hits
        r.single = std::next(r.first) == r.last;
        ranges.push_back(r);
    }
    const std::string wanted = term.empty() ? std::string() : term_key(term);
    if (!wanted.empty()) {  // the term is one more word, matched whole
        const auto it = postings_.find(wanted);
        if (it == postings_.end()) return page;
        ranges.push_back(Range{wanted, it, std::next(it), true});
    }
    // Counting a range walks its words: a short prefix ("6") may begin thousands of them. A range
    // of more than kWordsCounted words counts as broad and leads only when every range is broad.
    constexpr std::size_t kWordsCounted = 64;
    const auto count = [&](const Range& r, std::size_t stop_at, std::size_t max_words) {
        std::size_t n = 0, seen = 0;
        for (auto it = r.first; it != r.last && n < stop_at; ++it) {
            if (++seen > max_words) return std::numeric_limits<std::size_t>::max();
            n += it->second.size();
        }
        return n;
    };
    std::size_t lead = 0;
    std::size_t fewest = std::numeric_limits<std::size_t>::max();
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        const std::size_t n = count(ranges[i], fewest, kWordsCounted);
        if (n < fewest) {
            fewest = n;
            lead = i;
        }
    }
    if (fewest == std::numeric_limits<std::size_t>::max()) {  // all broad: count them all
        for (std::size_t i = 0; i < ranges.size(); ++i) {
            const std::size_t n = count(ranges[i], fewest, std::numeric_limits<std::size_t>::max());
            if (n < fewest) {
                fewest = n;
                lead = i;
            }
        }
    }
    std::vector<Slot> found;
    if (ranges[lead].single) {
        found = ranges[lead].first->second;
    } else {
        for (auto it = ranges[lead].first; it != ranges[lead].last; ++it)
            found.insert(found.end(), it->second.begin(), it->second.end());
        std::sort(found.begin(), found.end());
        found.erase(std::unique(found.begin(), found.end()), found.end());
    }
    for (std::size_t i = 0; i < ranges.size() && !found.empty(); ++i)
        if (i != lead && ranges[i].single) intersect(found, ranges[i].first->second);

    rank_schools();
    std::vector<Slot> hits;
    hits.reserve(found.size());
    for (const Slot slot : found) {
        bool all = true;
        for (std::size_t i = 0; i < ranges.size() && all; ++i)
            if (i != lead && !ranges[i].single) all = has_word_beginning(slot, ranges[i].word);
        if (all) hits.push_back(slot);
    }
    page.hits = hits.size();
    if (offset >= hits.size()) return page;
    // By school (its rank: integers, in one array), then by name and id within a school.
    const auto order = [this](Slot a, Slot b) {
        if (rank_of_[a] != rank_of_[b]) return rank_of_[a] < rank_of_[b];
        return std::tie(slots_[a].name, slots_[a].id) < std::tie(slots_[b].name, slots_[b].id);
    };
    const std::size_t end = std::min(hits.size(), offset + limit);
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(end), hits.end(), order);
    for (std::size_t i = offset; i < end; ++i) page.ids.push_back(slots_[hits[i]].id);
    page.more = hits.size() > end;
    return page;
}

}  // namespace mina::studietider
