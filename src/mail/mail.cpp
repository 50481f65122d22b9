#include "mail/mail.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "core/common/text.hpp"

namespace mina::mail {
namespace {

constexpr std::size_t kHeaderLine = 78;  // RFC 5322 §2.1.1: SHOULD NOT exceed 78 characters
constexpr std::size_t kQpLine = 76;      // RFC 2045 §6.7 rule 5
constexpr std::size_t kWordBytes = 39;   // UTF-8 bytes per encoded-word: 52 base64 chars, 64 in all
constexpr std::size_t kDetailMax = 300;  // a Result::detail is one log line, not a transcript

// --- small text helpers -------------------------------------------------------------------------

std::string random_hex(std::size_t bytes) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::random_device rd;  // getrandom(2) / /dev/urandom on Linux
    std::string out;
    out.reserve(bytes * 2);
    for (std::size_t i = 0; i < bytes; ++i) {
        const auto b = static_cast<unsigned>(rd()) & 0xFFU;
        out += kHex[b >> 4U];
        out += kHex[b & 0xFU];
    }
    return out;
}

void reject_line_breaks(std::string_view field, std::string_view value) {
    if (value.find_first_of("\r\n") != std::string_view::npos)
        throw std::invalid_argument("mail: line break in " + std::string(field));
}

bool is_plain_ascii(std::string_view s) {
    for (char c : s)
        if (c < 0x20 || c > 0x7E) return false;
    return true;
}

using text::trim;

std::string base64(std::string_view in) {
    static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const auto n = (static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16U) |
                       (static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8U) |
                       static_cast<unsigned>(static_cast<unsigned char>(in[i + 2]));
        out += kAlphabet[(n >> 18U) & 63U];
        out += kAlphabet[(n >> 12U) & 63U];
        out += kAlphabet[(n >> 6U) & 63U];
        out += kAlphabet[n & 63U];
    }
    if (i < in.size()) {
        auto n = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16U;
        if (i + 1 < in.size()) n |= static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8U;
        out += kAlphabet[(n >> 18U) & 63U];
        out += kAlphabet[(n >> 12U) & 63U];
        out += i + 1 < in.size() ? kAlphabet[(n >> 6U) & 63U] : '=';
        out += '=';
    }
    return out;
}

// --- headers ------------------------------------------------------------------------------------

/// RFC 2047 B-encoded words of at most kWordBytes each, cut between UTF-8 characters so that every
/// word decodes on its own (§5: an encoded-word must not split a multi-octet character).
std::vector<std::string> encoded_words(std::string_view s) {
    std::vector<std::string> words;
    while (!s.empty()) {
        std::size_t n = std::min(kWordBytes, s.size());
        while (n < s.size() && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0U) == 0x80U) --n;
        if (n == 0) n = std::min(kWordBytes, s.size());  // not UTF-8 at all: cut anywhere
        words.push_back("=?UTF-8?B?" + base64(s.substr(0, n)) + "?=");
        s.remove_prefix(n);
    }
    return words;
}

/// A subject as itself when it is short printable ASCII that cannot be mistaken for an
/// encoded-word, else as encoded-words.
std::vector<std::string> phrase_tokens(std::string_view s, std::size_t room) {
    if (is_plain_ascii(s) && s.size() <= room && s.find("=?") == std::string_view::npos) return {std::string(s)};
    return encoded_words(s);
}

/// "Name: tok tok ..." folded before a token whenever the line would pass 78 characters.
std::string header(std::string_view name, const std::vector<std::string>& tokens) {
    std::string out(name);
    out += ':';
    std::size_t line = out.size();
    for (const auto& t : tokens) {
        if (line + 1 + t.size() > kHeaderLine && line > name.size() + 1) {
            out += "\r\n";
            line = 0;
        }
        out += ' ';
        out += t;
        line += 1 + t.size();
    }
    out += "\r\n";
    return out;
}

struct Mailbox {
    std::string name;     // display name, unquoted; may be empty
    std::string address;  // addr-spec
};

Mailbox parse_mailbox(std::string_view s) {
    const auto lt = s.rfind('<');
    const auto t = trim(s);
    if (lt == std::string_view::npos || t.empty() || t.back() != '>') return {{}, t};
    const auto gt = s.rfind('>');
    std::string name = trim(s.substr(0, lt));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    return {name, trim(s.substr(lt + 1, gt - lt - 1))};
}

std::string quote_if_needed(const std::string& name) {
    if (name.find_first_of("()<>[]:;@\\,.\"") == std::string::npos) return name;
    std::string q = "\"";
    for (char c : name) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
    }
    return q + '"';
}

std::string from_header(const Mailbox& mb) {
    std::vector<std::string> tokens;
    if (!mb.name.empty()) {
        tokens = is_plain_ascii(mb.name) && mb.name.find("=?") == std::string::npos
                     ? std::vector<std::string>{quote_if_needed(mb.name)}
                     : encoded_words(mb.name);
        tokens.push_back("<" + mb.address + ">");
    } else {
        tokens.push_back(mb.address);
    }
    return header("From", tokens);
}

std::string rfc5322_date(std::time_t t) {
    static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&t, &tm);
    // Names by hand: strftime's %a and %b follow the process locale.
    std::array<char, 64> buf{};
    std::snprintf(buf.data(), buf.size(), "%s, %02d %s %04d %02d:%02d:%02d +0000",
                  kDays.at(static_cast<std::size_t>(tm.tm_wday)), tm.tm_mday,
                  kMonths.at(static_cast<std::size_t>(tm.tm_mon)), tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf.data();
}

// --- quoted-printable ---------------------------------------------------------------------------

/// One hard line, without its line end, as quoted-printable lines joined by soft breaks.
void qp_line(std::string_view line, std::string& out) {
    static constexpr std::string_view kHex = "0123456789ABCDEF";
    std::size_t col = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        const bool last = i + 1 == line.size();
        // A "." opening a line could meet an SMTP server that does not undo dot-stuffing, and a
        // "From " could be mangled by an mbox: encoding them costs nothing.
        const bool at_start = col == 0;
        const bool literal = (c >= 33 && c <= 126 && c != '=' && !(at_start && c == '.') &&
                              !(at_start && c == 'F' && line.substr(i, 5) == "From ")) ||
                             ((c == ' ' || c == '\t') && !last);
        const std::size_t width = literal ? 1 : 3;
        // Room for the "=" of a soft break, except after the line's last character.
        if (col + width > (last ? kQpLine : kQpLine - 1)) {
            out += "=\r\n";
            col = 0;
            if (c == '.' || (c == 'F' && line.substr(i, 5) == "From ")) {  // now at a line start
                out += c == '.' ? "=2E" : "=46";
                col = 3;
                continue;
            }
        }
        if (literal) {
            out += static_cast<char>(c);
        } else {
            out += '=';
            out += kHex[c >> 4U];
            out += kHex[c & 0xFU];
        }
        col += width;
    }
}

/// The text with its line ends (LF, CRLF or CR) as CRLF, encoded line by line.
std::string quoted_printable(std::string_view text) {
    std::string out;
    std::size_t pos = 0;
    while (true) {
        const auto end = text.find_first_of("\r\n", pos);
        qp_line(text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos), out);
        if (end == std::string_view::npos) break;
        out += "\r\n";
        pos = end + (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? 2 : 1);
    }
    return out;
}

std::string part(std::string_view subtype, std::string_view body) {
    return "Content-Type: text/" + std::string(subtype) +
           "; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + quoted_printable(body) + "\r\n";
}

// --- SMTP with libcurl --------------------------------------------------------------------------

void curl_global() {
    // curl_global_init is not thread-safe; a function-local static runs it exactly once.
    static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) throw std::runtime_error(std::string("curl_global_init: ") + curl_easy_strerror(rc));
}

struct Upload {
    std::string_view data;
    std::size_t pos = 0;
};

std::size_t read_upload(char* buf, std::size_t size, std::size_t nitems, void* user) {
    auto* up = static_cast<Upload*>(user);
    const std::size_t n = std::min(size * nitems, up->data.size() - up->pos);
    std::memcpy(buf, up->data.data() + up->pos, n);
    up->pos += n;
    return n;
}

/// Keeps the server's reply lines, so that a detail can quote what the server said.
int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
    if (type == CURLINFO_HEADER_IN) static_cast<std::vector<std::string>*>(user)->emplace_back(data, size);
    return 0;
}

std::string one_line(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (out.size() >= kDetailMax) break;
        out += (c >= 0x20 && c != 0x7F) ? c : ' ';
    }
    return trim(out);
}

/// The last reply line that carries `code` (curl keeps the code of the last reply before QUIT).
std::string reply_text(const std::vector<std::string>& replies, long code) {
    const auto prefix = std::to_string(code);
    for (std::size_t i = replies.size(); i-- > 0;)  // the last reply with that code
        if (replies[i].rfind(prefix, 0) == 0) return one_line(replies[i]);
    return {};
}

bool connection_error(CURLcode rc) {
    switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT: return true;
        default: return false;
    }
}

/// The URL for curl and how much TLS it asks for: smtps:// is TLS from the start; smtp:// is plain
/// unless its query says starttls=required (CURLUSESSL_ALL) or starttls=try (CURLUSESSL_TRY).
std::pair<std::string, long> tls_mode(const std::string& url) {
    const auto q = url.find('?');
    if (q == std::string::npos) return {url, static_cast<long>(CURLUSESSL_NONE)};
    const std::string query = url.substr(q + 1);
    long mode = CURLUSESSL_NONE;
    if (query == "starttls=required" || query == "starttls=true" || query == "starttls=1") mode = CURLUSESSL_ALL;
    else if (query == "starttls=try") mode = CURLUSESSL_TRY;
    else throw std::invalid_argument("mail: unknown SMTP URL option: " + query);
    return {url.substr(0, q), mode};
}

Result classify(CURLcode rc, long code, const std::vector<std::string>& replies, const char* errbuf) {
    std::string said = reply_text(replies, code);
    if (rc == CURLE_OK) return {Fate::sent, said.empty() ? std::to_string(code) + " accepted" : said};
    const std::string why = one_line(errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
    if (code >= 400 && code <= 599) {
        // The server's own words say most; curl's text ("RCPT failed: 550") says which step.
        std::string detail = "SMTP " + std::to_string(code) + ": " + (said.empty() ? why : said);
        return {code < 500 ? Fate::retry : Fate::failed, one_line(detail)};
    }
    if (connection_error(rc)) return {Fate::retry, "cannot connect: " + why};
    if (rc == CURLE_OPERATION_TIMEDOUT) return {Fate::retry, "timed out: " + why};
    return {Fate::retry, one_line(std::string(curl_easy_strerror(rc)) + (why.empty() ? "" : ": " + why))};
}

Result send_with_curl(const std::string& smtp_url, const Message& m, std::chrono::seconds timeout) {
    const std::string mime = to_mime(m);
    const auto [url, tls] = tls_mode(smtp_url);
    curl_global();
    const std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), &curl_easy_cleanup);
    if (!h) return {Fate::retry, "curl_easy_init failed"};
    const std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt(
        curl_slist_append(nullptr, parse_mailbox(m.to).address.c_str()), &curl_slist_free_all);
    if (!rcpt) return {Fate::retry, "out of memory"};

    Upload upload{mime};
    std::vector<std::string> replies;
    std::array<char, CURL_ERROR_SIZE> errbuf{};
    const long total_ms = std::max<long>(1, static_cast<long>(timeout.count()) * 1000L);
    CURL* c = h.get();
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf.data());
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    // Only mail: a mistyped file:// or http:// URL must not make curl read or fetch anything.
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
    curl_easy_setopt(c, CURLOPT_USE_SSL, tls);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, ("<" + parse_mailbox(m.from).address + ">").c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, &read_upload);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime.size()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min<long>(10'000L, total_ms));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we run among threads
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);   // only so that on_debug sees the replies; nothing is printed
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, &on_debug);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, &replies);

    const CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    return classify(rc, code, replies, errbuf.data());
}

// --- spool --------------------------------------------------------------------------------------

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
    throw std::runtime_error("mail spool: cannot " + what + " " + path + ": " + std::generic_category().message(err));
}

void write_all(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("write", path, errno);
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

/// Makes the rename itself durable; some file systems refuse fsync on a directory, which is fine.
void sync_dir(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)::fsync(fd);
    ::close(fd);
}

std::string utc_stamp() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::array<char, 32> buf{};
    std::strftime(buf.data(), buf.size(), "%Y%m%dT%H%M%SZ", &tm);
    return buf.data();
}

}  // namespace

std::string to_mime(const Message& m, const std::string& message_id) {
    reject_line_breaks("from", m.from);
    reject_line_breaks("to", m.to);
    reject_line_breaks("subject", m.subject);
    reject_line_breaks("message id", message_id);
    const std::string id = message_id.empty() ? random_hex(16) + "@mina" : message_id;

    std::string out = "Date: " + rfc5322_date(std::time(nullptr)) + "\r\n";
    out += "Message-ID: <" + id + ">\r\n";
    out += from_header(parse_mailbox(m.from));
    out += header("To", {m.to});
    out += header("Subject", phrase_tokens(m.subject, kHeaderLine - std::string_view("Subject: ").size()));
    out += "MIME-Version: 1.0\r\n";
    out += "Auto-Submitted: auto-generated\r\n";
    if (m.html.empty()) return out + part("plain", m.text);

    // "=_" never occurs in quoted-printable text, so the boundary cannot collide with a body.
    const std::string boundary = "=_mina_" + random_hex(12);
    out += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n\r\n";
    out += "--" + boundary + "\r\n" + part("plain", m.text);
    out += "--" + boundary + "\r\n" + part("html", m.html);
    out += "--" + boundary + "--\r\n";
    return out;
}

Result send_smtp(const std::string& smtp_url, const Message& m, std::chrono::seconds timeout) {
    try {
        return send_with_curl(smtp_url, m, timeout);
    } catch (const std::invalid_argument& e) {
        return {Fate::failed, one_line(e.what())};  // the message or the URL is wrong: retrying will not help
    } catch (const std::exception& e) {
        return {Fate::retry, one_line(e.what())};
    } catch (...) {
        return {Fate::retry, "unknown error"};
    }
}

std::string write_spool(const std::string& dir, const Message& m) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("mail spool: cannot create " + dir + ": " + ec.message());
    const std::string mime = to_mime(m);
    const std::string base = (std::filesystem::path(dir) / (utc_stamp() + "-" + random_hex(8))).string();
    const std::string tmp = base + ".eml.tmp";
    std::string final_path = base + ".eml";

    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) fail("create", tmp, errno);
    try {
        write_all(fd, mime, tmp);
        if (::fsync(fd) != 0) fail("sync", tmp, errno);
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        fail("close", tmp, err);
    }
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        fail("rename", tmp, err);
    }
    sync_dir(dir);
    return final_path;
}

}  // namespace mina::mail
