#include "crypto/quality.hpp"

#include <pwquality.h>
#include <uninorm.h>
#include <unistr.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <numeric>
#include <span>
#include <stdexcept>

namespace mina::crypto {

namespace {

pwquality_settings_t* settings(void* p) { return static_cast<pwquality_settings_t*>(p); }

// cracklib-small comes with cracklib-runtime, swedish with wswedish (Latin-1): see scripts/install-deps.sh.
constexpr std::array<const char*, 2> kWordLists = {"/usr/share/dict/cracklib-small", "/usr/share/dict/swedish"};

// Shorter words are everywhere inside good passphrases, and a password is never only one of them.
constexpr std::size_t kMinWordChars = 4;

// Common passwords and the bases people build them from, written for this project. Digits and punctuation
// around a base are stripped before the look-up ("Sommar2024!" is "sommar"), so no "sommar2024" is needed,
// and passwords of only digits need no entry at all.
// clang-format off
constexpr auto kCommonEverywhere = std::to_array<std::string_view>({
    "password", "passw0rd", "p@ssword", "passord", "passwort", "pass", "passpass", "qwerty", "qwertyuiop", "qwertz",
    "azerty", "1q2w3e4r", "1qaz2wsx", "zaq12wsx", "qazwsx", "asdfgh", "asdf", "zxcvbnm", "abc123", "abcdef", "a1b2c3",
    "letmein", "welcome", "admin", "administrator", "root", "guest", "login", "access", "secret", "changeme", "default",
    "master", "iloveyou", "loveyou", "iloveu", "monkey", "dragon", "football", "baseball", "basketball", "soccer",
    "hockey", "sunshine", "shadow", "princess", "superman", "batman", "spiderman", "trustno1", "whatever", "freedom",
    "starwars", "pokemon", "minecraft", "fortnite", "michael", "jennifer", "jordan", "hunter", "ranger", "buster",
    "tigger", "charlie", "thomas", "killer", "hello", "computer", "internet", "lovely", "flower", "ninja", "mustang",
    "harley", "pepper", "cookie", "cheese", "summer", "winter", "spring", "autumn", "chocolate", "butterfly", "purple",
    "orange", "banana", "matrix", "silver", "golden", "diamond", "angel", "babygirl", "family", "forever", "friends",
    "liverpool", "chelsea", "arsenal", "manchester", "samsung", "apple", "google", "facebook", "instagram", "microsoft",
    "windows", "linux", "test", "testing", "demo", "user", "username", "nothing", "blink182", "superstar"});

// Swedish favourites: the password itself, seasons, months, days, places, family, school.
constexpr auto kCommonSwedish = std::to_array<std::string_view>({
    "lösenord", "losenord", "lösen", "losen", "hemligt", "hemlig", "hemlis", "sommar", "vinter", "våren", "varen",
    "hösten", "hosten", "sommaren", "vintern", "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
    "september", "oktober", "november", "december", "måndag", "mandag", "tisdag", "onsdag", "torsdag", "fredag",
    "lördag", "lordag", "söndag", "sondag", "sverige", "svenska", "svensk", "sweden", "stockholm", "göteborg",
    "goteborg", "malmö", "malmo", "uppsala", "umeå", "umea", "luleå", "lulea", "linköping", "linkoping", "örebro",
    "orebro", "västerås", "vasteras", "norrköping", "norrkoping", "jönköping", "jonkoping", "helsingborg", "gävle",
    "gavle", "sundsvall", "kiruna", "gotland", "skåne", "skane", "norrland", "hejhej", "hejsan", "hallå", "halla",
    "tjena", "tjenare", "kalle", "anka", "kalle anka", "mamma", "pappa", "mormor", "morfar", "farmor", "farfar",
    "älskling", "alskling", "jag älskar dig", "jag alskar dig", "kärlek", "karlek", "hjärta", "hjarta", "csn",
    "mina tjänster", "mina tjanster", "mina sidor", "skolan", "skola", "studier", "student", "elev", "lärare", "larare",
    "rektor", "klassen", "högskola", "hogskola", "universitet", "bankid", "swish", "välkommen", "valkommen", "volvo",
    "saab", "ikea", "abba", "zlatan", "pippi", "bamse", "kanelbulle", "fika", "midsommar", "julafton", "semester",
    "fotboll", "innebandy", "hund", "katt", "häst", "hast", "dator", "datorn", "mobil", "telefon", "hemma", "familjen",
    "aik", "djurgården", "djurgarden", "hammarby", "blåvitt", "blavitt", "tre kronor"});
// clang-format on

// Keyboard rows and columns of a Swedish keyboard and the alphabet; their reverses are added at start.
constexpr std::array<std::string_view, 10> kKeyboardRuns = {
    "qwertyuiopå",
    "asdfghjklöä",
    "zxcvbnm",
    "abcdefghijklmnopqrstuvwxyzåäö",
    "1q2w3e4r5t6y7u8i9o0p",
    "q1w2e3r4t5y6u7i8o9p0",
    "qwertzuiop",
    "azertyuiop",
    "qazwsxedcrfvtgbyhnujmikolp",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
};

unsigned char byte(char c) { return static_cast<unsigned char>(c); }
bool is_continuation(char c) { return (byte(c) & 0xC0) == 0x80; }

std::size_t count_chars(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation(c); }));
}

std::size_t char_length(std::string_view s, std::size_t i) {
    std::size_t n = 1;
    while (i + n < s.size() && is_continuation(s[i + n])) ++n;
    return n;
}

// What words are made of, as opposed to the digits, spaces, punctuation and symbols (U+0080 to U+00BF,
// × and ÷) that people put around and between words.
bool is_letter(std::string_view ch) {
    const unsigned char c = byte(ch[0]);
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return c != 0xC2 && ch != "\xC3\x97" && ch != "\xC3\xB7";
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// ASCII and the Latin-1 capitals (Å Ä Ö É Ü and their neighbours): all that Swedish, English and the word
// lists need, with no locale involved.
void lower_in_place(std::string& s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = byte(s[i]);
        if (c >= 'A' && c <= 'Z') {
            s[i] = static_cast<char>(c + ('a' - 'A'));
        } else if (c == 0xC3 && i + 1 < s.size()) {
            const unsigned char next = byte(s[++i]);
            if (next >= 0x80 && next <= 0x9E && next != 0x97) s[i] = static_cast<char>(next + 0x20);
        }
    }
}

std::string lower(std::string_view s) {
    std::string out(s);
    lower_in_place(out);
    return out;
}

void append_latin1_as_utf8(std::string_view latin1, std::string& out) {
    for (const char c : latin1) {
        const unsigned char b = byte(c);
        if (b < 0x80) {
            out += c;
        } else {
            out += static_cast<char>(0xC0 | (b >> 6));
            out += static_cast<char>(0x80 | (b & 0x3F));
        }
    }
}

bool is_utf8(std::string_view s) { return u8_check(reinterpret_cast<const uint8_t*>(s.data()), s.size()) == nullptr; }

std::string read_file(const char* path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return {};
    std::string text(static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0)), '\0');
    in.seekg(0);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

// One word a line; Debian's wswedish is Latin-1, so a file that is not UTF-8 is read as Latin-1.
void load_words(const char* path, WordSet& into) {
    const std::string text = read_file(path);
    const bool utf8 = is_utf8(text);
    // Growing the buffers word by word would copy them over and over: Latin-1 grows by a few percent in UTF-8.
    into.reserve(text.size() + text.size() / 8, static_cast<std::size_t>(std::ranges::count(text, '\n')) + 1);
    std::string word;
    for (std::size_t begin = 0; begin < text.size();) {
        std::size_t end = text.find('\n', begin);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + begin, end - begin);
        begin = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        word.clear();
        if (utf8) {
            word = line;
        } else {
            append_latin1_as_utf8(line, word);
        }
        lower_in_place(word);
        if (count_chars(word) >= kMinWordChars) into.add(word);
    }
}

std::string reverse_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t end = s.size(); end > 0;) {
        std::size_t begin = end - 1;
        while (begin > 0 && is_continuation(s[begin])) --begin;
        out += s.substr(begin, end - begin);
        end = begin;
    }
    return out;
}

std::string without_spaces(std::string_view s) {
    std::string out;
    std::ranges::copy_if(s, std::back_inserter(out), [](char c) { return !is_space(c); });
    return out;
}

char unleet(char c, char one) {
    switch (c) {
        case '0': return 'o';
        case '1': return one;
        case '3': return 'e';
        case '4':
        case '@': return 'a';
        case '5':
        case '$': return 's';
        case '7': return 't';
        case '!': return 'i';
        default: return c;
    }
}

bool is_leet(char c) { return unleet(c, 'i') != c; }

std::string unleet(std::string_view s, char one) {
    std::string out(s);
    for (char& c : out) c = unleet(c, one);
    return out;
}

struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
};

// From the first letter to the end of the last one; empty when there is no letter.
Span letter_span(std::string_view s) {
    Span span{std::string_view::npos, 0};
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = char_length(s, i);
        if (is_letter(s.substr(i, n))) {
            if (span.begin == std::string_view::npos) span.begin = i;
            span.end = i + n;
        }
        i += n;
    }
    return span.begin == std::string_view::npos ? Span{} : span;
}

void add_unique(std::vector<std::string>& to, std::string s) {
    if (std::ranges::find(to, s) == to.end()) to.push_back(std::move(s));
}

// How many leet characters next to the letters may still belong to the word ("w3lc0m3!" is "welcome").
constexpr std::size_t kMaxLeetEdge = 3;

// The forms a (lower-case) password's base may hide behind, first the letters without the digits and
// punctuation around them ("sommar2024!" gives "sommar"), then the same with leetspeak undone ("p@ssw0rd!"
// gives "password"), where leet characters next to the letters may belong to the word ("5ommar" gives
// "sommar"). The first form is empty when there are no letters at all.
std::vector<std::string> cores(std::string_view s) {
    const Span letters = letter_span(s);
    std::vector<std::string> out{std::string(s.substr(letters.begin, letters.end - letters.begin))};
    if (out.front().empty()) return out;
    std::vector<std::size_t> begins{letters.begin};
    while (begins.size() <= kMaxLeetEdge && begins.back() > 0 && is_leet(s[begins.back() - 1]))
        begins.push_back(begins.back() - 1);
    std::vector<std::size_t> ends{letters.end};
    while (ends.size() <= kMaxLeetEdge && ends.back() < s.size() && is_leet(s[ends.back()]))
        ends.push_back(ends.back() + 1);
    for (const std::size_t begin : begins) {
        for (const std::size_t end : ends) {
            for (const char one : {'i', 'l'}) add_unique(out, unleet(s.substr(begin, end - begin), one));
        }
    }
    return out;
}

// The runs of letters: the words of a passphrase, or the repeats in "sommar2024sommar".
std::vector<std::string_view> letter_runs(std::string_view s) {
    std::vector<std::string_view> runs;
    std::size_t start = std::string_view::npos;
    for (std::size_t i = 0; i <= s.size();) {
        const std::size_t n = i < s.size() ? char_length(s, i) : 1;
        const bool letter = i < s.size() && is_letter(s.substr(i, n));
        if (letter && start == std::string_view::npos) start = i;
        if (!letter && start != std::string_view::npos) {
            runs.push_back(s.substr(start, i - start));
            start = std::string_view::npos;
        }
        i += n;
    }
    return runs;
}

struct Period {
    std::string_view unit;
    std::size_t times = 1;
};

// "sommarsommar" is "sommar" twice: the shortest unit that repeated makes the whole word.
Period period(std::string_view s) {
    for (std::size_t p = 1; p <= s.size() / 2; ++p) {
        if (s.size() % p == 0 && s.substr(p) == s.substr(0, s.size() - p)) return {s.substr(0, p), s.size() / p};
    }
    return {s, 1};
}

// True when the password is the username, repeated or not, with only digits and punctuation besides.
bool is_only_username(std::string_view password, std::string_view user) {
    for (std::size_t i = 0; i < password.size();) {
        if (password.substr(i, user.size()) == user) {
            i += user.size();
            continue;
        }
        const std::size_t n = char_length(password, i);
        if (is_letter(password.substr(i, n))) return false;
        i += n;
    }
    return true;
}

// The entries go through the same stripping as the passwords, so "p@ssword" and "1qaz2wsx" match too.
void add_common(std::span<const std::string_view> entries, WordSet& into) {
    for (const std::string_view entry : entries) {
        for (const std::string& core : cores(lower(entry))) {
            if (core.empty()) continue;
            into.add(core);
            into.add(without_spaces(core));
        }
    }
}

}  // namespace

void WordSet::reserve(std::size_t more_bytes, std::size_t more_words) {
    text_.reserve(text_.size() + more_bytes);
    starts_.reserve(starts_.size() + more_words);
}

void WordSet::add(std::string_view word) {
    if (text_.size() + word.size() > std::numeric_limits<std::uint32_t>::max())
        throw std::length_error("word list too large");
    starts_.push_back(static_cast<std::uint32_t>(text_.size()));
    text_ += word;
}

void WordSet::finish() {
    starts_.push_back(static_cast<std::uint32_t>(text_.size()));
    std::vector<std::uint32_t> order(size());
    std::iota(order.begin(), order.end(), std::uint32_t{0});
    std::ranges::sort(order, {}, [this](std::uint32_t i) { return at(i); });
    std::string text;
    text.reserve(text_.size());
    std::vector<std::uint32_t> starts;
    starts.reserve(starts_.size());
    for (const std::uint32_t i : order) {
        if (!starts.empty() && at(i) == std::string_view(text).substr(starts.back())) continue;
        starts.push_back(static_cast<std::uint32_t>(text.size()));
        text += at(i);
    }
    starts.push_back(static_cast<std::uint32_t>(text.size()));
    text.shrink_to_fit();
    starts.shrink_to_fit();
    text_ = std::move(text);
    starts_ = std::move(starts);
}

bool WordSet::contains(std::string_view word) const {
    std::size_t low = 0;
    std::size_t high = size();
    while (low < high) {
        const std::size_t middle = low + (high - low) / 2;
        const int order = at(middle).compare(word);
        if (order == 0) return true;
        if (order < 0) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return false;
}

std::size_t WordSet::memory_bytes() const {
    return sizeof(*this) + text_.capacity() + starts_.capacity() * sizeof(std::uint32_t);
}

std::string_view WordSet::at(std::size_t i) const {
    return std::string_view(text_).substr(starts_[i], starts_[i + 1] - starts_[i]);
}

PwQuality::PwQuality() : settings_(nullptr) {
    for (const char* path : kWordLists) load_words(path, dictionary_);
    dictionary_.finish();
    add_common(kCommonEverywhere, common_);
    add_common(kCommonSwedish, common_);
    common_.finish();
    for (const std::string_view run : kKeyboardRuns) {
        keyboard_runs_.emplace_back(run);
        keyboard_runs_.push_back(reverse_utf8(run));
    }

    settings_ = pwquality_default_settings();
    if (settings_ == nullptr) throw std::runtime_error("libpwquality: out of memory");
    // Our own rules decide length and character classes (any characters are welcome); from
    // libpwquality we want the dictionary (cracklib), the username and the trivial variations.
    auto* s = settings(settings_);
    pwquality_set_int_value(s, PWQ_SETTING_MIN_LENGTH, 6);
    pwquality_set_int_value(s, PWQ_SETTING_MIN_CLASS, 0);
    pwquality_set_int_value(s, PWQ_SETTING_DIG_CREDIT, 0);
    pwquality_set_int_value(s, PWQ_SETTING_UP_CREDIT, 0);
    pwquality_set_int_value(s, PWQ_SETTING_LOW_CREDIT, 0);
    pwquality_set_int_value(s, PWQ_SETTING_OTH_CREDIT, 0);
    pwquality_set_int_value(s, PWQ_SETTING_MAX_REPEAT, 4);
    pwquality_set_int_value(s, PWQ_SETTING_DICT_CHECK, 1);
    pwquality_set_int_value(s, PWQ_SETTING_USER_CHECK, 1);
}

PwQuality::~PwQuality() { pwquality_free_settings(settings(settings_)); }

std::optional<std::string> PwQuality::normalize(std::string_view text) {
    const auto* in = reinterpret_cast<const uint8_t*>(text.data());
    if (u8_check(in, text.size()) != nullptr) return std::nullopt;
    if (text.empty()) return std::string();
    std::size_t length = 0;
    uint8_t* out = u8_normalize(UNINORM_NFC, in, text.size(), nullptr, &length);
    if (out == nullptr) return std::nullopt;
    std::string result(reinterpret_cast<const char*>(out), length);
    std::free(out);
    return result;
}

bool PwQuality::is_weak(std::string_view password, std::string_view username) {
    const std::string lowered = lower(password);
    const std::string user = lower(username);
    if (!user.empty() && is_only_username(lowered, user)) return true;
    for (const std::string& core : cores(lowered)) {
        if (is_weak_core(core, user)) return true;
    }
    // cracklib judges a passphrase of several words as "too systematic" about once in a hundred;
    // our own rules have judged its words already, so cracklib only sees single words.
    if (std::ranges::any_of(lowered, is_space)) return false;
    return pwquality_says_weak(password, username);
}

// Only a single word is judged against the lists: a passphrase is made of dictionary words, and that is fine.
bool PwQuality::is_weak_core(std::string_view core, std::string_view user) const {
    if (core.empty()) return true;  // nothing but digits and punctuation
    if (common_.contains(core) || common_.contains(without_spaces(core))) return true;
    const auto runs = letter_runs(core);
    const auto same_as_first = [&](std::string_view run) { return run == runs.front(); };
    if (runs.size() > 1 && std::ranges::all_of(runs, same_as_first) && is_weak_word(runs.front(), user)) return true;
    if (std::ranges::any_of(core, is_space)) return false;
    if (is_weak_word(core, user)) return true;
    const Period repeated = period(core);
    return repeated.times >= 3 || (repeated.times == 2 && is_weak_word(repeated.unit, user));
}

bool PwQuality::is_weak_word(std::string_view word, std::string_view user) const {
    return dictionary_.contains(word) || common_.contains(word) || is_keyboard_run(word) || word == user;
}

bool PwQuality::is_keyboard_run(std::string_view word) const {
    if (count_chars(word) < kMinWordChars) return false;
    return std::ranges::any_of(keyboard_runs_,
                               [&](const std::string& run) { return run.find(word) != std::string::npos; });
}

bool PwQuality::pwquality_says_weak(std::string_view password, std::string_view username) {
    const std::string pw(password);
    const std::string user(username);
    int rc = 0;
    {
        // No auxerror: for most errors it is a number or a static cracklib text in a void*, not for free().
        std::lock_guard lock(mu_);
        rc = pwquality_check(settings(settings_), pw.c_str(), nullptr, user.empty() ? nullptr : user.c_str(), nullptr);
    }
    switch (rc) {
        case PWQ_ERROR_CRACKLIB_CHECK:
        case PWQ_ERROR_PALINDROME:
        case PWQ_ERROR_USER_CHECK:
        case PWQ_ERROR_BAD_WORDS:
        case PWQ_ERROR_MAX_CONSECUTIVE:
        case PWQ_ERROR_MAX_SEQUENCE: return true;
        default: return false;  // our own rules judge length and the rest
    }
}

}  // namespace mina::crypto
