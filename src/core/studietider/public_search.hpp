// Ansök om studiemedel's search (issue [5] §4) as an index in memory: every education students
// may see (not withdrawn, with at least one published period not withdrawn), found by the
// beginnings of its words (index_words: the school's code and name, the education's code and
// name) and by the labels of its published periods. A search starts from its rarest word and
// narrows by the others, so it touches the educations that word names and no others; the page is
// sorted by school name and education name. Not thread-safe: the Service guards it. The Service
// keeps it in step with the database through the change log the stores write (search_changes).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mina::studietider {

/// What the index needs of an education: read by ports::Studietider::search_entries.
struct SearchEntry {
    std::int64_t id = 0;
    std::string school_code;
    std::string school_name;
    std::string code;
    std::string name;
    bool withdrawn = false;
    /// The labels of its published periods that are not withdrawn (as published); none: not shown.
    std::vector<std::string> terms;
};

/// The labels in `joined`, separated by U+001F: how the stores hand over an education's published
/// labels in one column (a label is one line of text, so it holds no U+001F).
[[nodiscard]] std::vector<std::string> split_labels(std::string_view joined);

class SearchIndex final {
   public:
    /// Adds, replaces or (withdrawn, nothing published) removes the education.
    void put(const SearchEntry& e);
    void remove(std::int64_t id);
    void clear();
    [[nodiscard]] std::size_t size() const { return slot_of_.size(); }

    struct Page {
        std::vector<std::int64_t> ids;  // by school name, education name, id
        bool more = false;              // there are hits after this page
        std::size_t hits = 0;           // how many educations match in all
    };
    /// Educations with, for every one of `words` (search_words; at least one), a word beginning
    /// with it, and a published period labelled `term` (case-insensitive; empty: any); from
    /// `offset`, at most `limit`.
    [[nodiscard]] Page find(const std::vector<std::string>& words, std::string_view term, std::size_t offset,
                            std::size_t limit) const;

   private:
    /// A school's place among all schools by name: comparing two entries compares these first,
    /// so sorting thousands of hits compares integers, and names only within one school.
    struct SchoolOrder {
        std::size_t entries = 0;
        std::uint32_t rank = 0;
    };
    using Schools = std::map<std::string, SchoolOrder, std::less<>>;
    struct Entry {
        std::int64_t id = 0;  // 0: a free slot
        Schools::iterator school;
        std::string name;
        std::vector<std::string> words;  // sorted
        std::vector<std::string> terms;  // "\x01" + the lower-case label: kept in postings_ beside the words
    };
    using Slot = std::uint32_t;
    void unlink(Slot slot);
    void rank_schools() const;

    // Entries live in slots that postings refer to (a vector index is cheaper to follow than a
    // hash lookup, for the thousands of candidates a common word gives); freed slots are reused.
    std::vector<Entry> slots_;
    std::vector<Slot> free_;
    std::unordered_map<std::int64_t, Slot> slot_of_;
    std::map<std::string, std::vector<Slot>, std::less<>> postings_;  // word -> slots, sorted
    mutable Schools schools_;                                         // by name
    mutable bool schools_ranked_ = true;                              // false after a school came or went
    mutable std::vector<std::uint32_t> rank_of_;  // by slot: its school's rank (read when sorting hits)
    // By slot, the first 8 bytes of each of its words (big-endian, so that they sort as the words
    // do) in one array: checking a candidate against a prefix reads one or two cache lines here
    // instead of following the entry to its strings. Freed runs are reclaimed when they are most.
    void write_keys(Slot slot);
    [[nodiscard]] bool has_word_beginning(Slot slot, std::string_view prefix) const;
    struct KeyRun {
        std::uint32_t first = 0;
        std::uint32_t count = 0;
    };
    std::vector<std::uint64_t> keys_;
    std::vector<KeyRun> key_run_;  // by slot
    std::size_t dead_keys_ = 0;
};

}  // namespace mina::studietider
