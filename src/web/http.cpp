#include "web/http.hpp"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <cctype>
#include <cstdint>

#include "core/common/text.hpp"

namespace mina::web {

std::string_view Request::header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers)
        if (k == lower_name) return v;
    return {};
}

std::string Request::cookie(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (k != "cookie") continue;
        std::string_view rest = v;
        while (!rest.empty()) {
            const auto semi = rest.find(';');
            std::string_view part = rest.substr(0, semi);
            rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
            while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
            const auto eq = part.find('=');
            if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
        }
    }
    return {};
}

Response Response::redirect(std::string location, int status) {
    Response r;
    r.status = status;
    r.header("Location", std::move(location));
    r.content_type = "text/plain; charset=utf-8";
    return r;
}

Response Response::json_error(int status, std::string_view message) {
    Response r;
    r.status = status;
    r.content_type = "application/json; charset=utf-8";
    r.body = boost::json::serialize(boost::json::object{{"error", message}});
    r.header("Cache-Control", "no-store");
    return r;
}

void api_errors_as_json(std::string_view path, Response& res) {
    if (!path.starts_with("/api/") || res.status < 400 || res.content_type.starts_with("application/json")) return;
    std::string message;
    if (res.content_type.starts_with("text/plain")) message = text::trim(res.body, " \t\r\n");
    if (message.empty()) {
        switch (res.status) {
            case 401: message = "Nyckeln saknas eller gäller inte. / The key is missing or not valid."; break;
            case 403: message = "Det är inte tillåtet. / Not allowed."; break;
            case 404: message = "Adressen finns inte. / No such address."; break;
            case 405: message = "Metoden är inte tillåten här. / The method is not allowed here."; break;
            case 503: message = "Tjänsten kan inte svara just nu. / The service cannot answer just now."; break;
            default:
                message = res.status >= 500 ? "Ett fel uppstod hos oss. / Something went wrong on our side."
                                            : "Felaktig förfrågan. / Malformed request.";
        }
    }
    Response json = Response::json_error(res.status, message);
    for (auto& h : res.headers)
        if (h.first != "Cache-Control") json.headers.push_back(std::move(h));
    res = std::move(json);
}

Response Response::text(int status, std::string body) {
    Response r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(body);
    return r;
}

bool valid_utf8(std::string_view s) { return text::is_utf8(s) && !text::has_control_chars(s, "\t\n\r"); }

bool valid_header_name(std::string_view name) {
    if (name.empty()) return false;
    for (unsigned char c : name) {
        if (std::isalnum(c)) continue;
        if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) return false;
    }
    return true;
}

bool valid_header_value(std::string_view value) {
    for (unsigned char c : value)
        if ((c < 0x20 && c != '\t') || c == 0x7F) return false;
    return true;
}

std::optional<std::string> unsafe_header(const Response& res) {
    if (!valid_header_value(res.content_type)) return std::string("Content-Type");
    for (const auto& [name, value] : res.headers) {
        if (valid_header_name(name) && valid_header_value(value)) continue;
        std::string shown = name.substr(0, 64);  // for the log: printable only
        for (char& c : shown)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
        return shown;
    }
    return std::nullopt;
}

std::optional<Form> Form::parse(std::string_view encoded) {
    Form f;
    if (encoded.empty()) return f;
    // Boost.URL 1.81's parse_query reads its argument up to a NUL (it makes a string_view of
    // s.data()): hand it a copy that has one, never a view into a longer buffer or one without.
    const std::string text(encoded);
    auto params = boost::urls::parse_query(text);
    if (!params) return std::nullopt;
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;  // HTML forms send spaces as '+'
    for (auto p : *params) {
        std::string key = p.key.decode(opts);
        std::string value = p.has_value ? p.value.decode(opts) : std::string();
        if (!valid_utf8(key) || !valid_utf8(value)) return std::nullopt;
        f.fields_.emplace(std::move(key), std::move(value));
    }
    return f;
}

std::string Form::get(std::string_view name) const {
    auto it = fields_.find(name);
    return it == fields_.end() ? std::string() : it->second;
}

const std::string& Form::value(std::string_view name) const {
    static const std::string kNone;
    auto it = fields_.find(name);
    return it == fields_.end() ? kNone : it->second;
}

std::vector<std::string> Form::all(std::string_view name) const {
    std::vector<std::string> out;
    const auto [from, to] = fields_.equal_range(name);
    for (auto it = from; it != to; ++it) out.push_back(it->second);
    return out;
}

bool Form::has(std::string_view name) const { return fields_.find(name) != fields_.end(); }

namespace {

/// The value of `key` in a header's parameters (`; key=value` or `; key="value"`), or nothing.
std::optional<std::string> header_param(std::string_view header, std::string_view key) {
    std::size_t pos = 0;
    while ((pos = header.find(';', pos)) != std::string_view::npos) {
        ++pos;
        while (pos < header.size() && header[pos] == ' ') ++pos;
        const auto eq = header.find('=', pos);
        if (eq == std::string_view::npos) return std::nullopt;
        const std::string name = text::lower_ascii(header.substr(pos, eq - pos));
        std::string value;
        std::size_t end = eq + 1;
        if (end < header.size() && header[end] == '"') {
            ++end;
            while (end < header.size() && header[end] != '"') {
                if (header[end] == '\\' && end + 1 < header.size()) ++end;
                value += header[end++];
            }
        } else {
            while (end < header.size() && header[end] != ';') value += header[end++];
            while (!value.empty() && value.back() == ' ') value.pop_back();
        }
        if (name == key) return value;
        pos = end;
    }
    return std::nullopt;
}

}  // namespace

std::string loggable_target(std::string_view target) {
    const auto q = target.find('?');
    const std::string_view path = target.substr(0, q);
    // A separator inside a run of digits: - + or a space, as typed or percent-encoded; its length.
    const auto separator = [&](std::size_t i) -> std::size_t {
        const char c = path[i];
        if (c == '-' || c == '+' || c == ' ') return 1;
        if (c == '%' && i + 2 < path.size() && path[i + 1] == '2') {
            const char h = static_cast<char>(std::toupper(static_cast<unsigned char>(path[i + 2])));
            if (h == 'B' || h == 'D' || h == '0') return 3;
        }
        return 0;
    };
    const auto digit = [&](std::size_t i) { return path[i] >= '0' && path[i] <= '9'; };
    std::string out;
    out.reserve(path.size() + 4);
    std::size_t i = 0;
    while (i < path.size()) {
        if (!digit(i)) {
            out += path[i++];
            continue;
        }
        // A run: digits, with single separators between them.
        std::size_t end = i;
        std::size_t digits = 0;
        std::size_t j = i;
        while (j < path.size()) {
            if (digit(j)) {
                ++digits;
                end = ++j;
            } else if (const auto n = separator(j); n != 0 && j + n < path.size() && digit(j + n)) {
                j += n;
            } else {
                break;
            }
        }
        if (digits >= 10) out += '*';
        else out.append(path.substr(i, end - i));
        i = end;
    }
    if (q != std::string_view::npos) out += "?...";
    return out;
}

std::string url_encode(std::string_view s) { return boost::urls::encode(s, boost::urls::unreserved_chars); }

namespace {
constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}
}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const auto n = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                       (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                       std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
        for (int shift = 18; shift >= 0; shift -= 6) out += kBase64[(n >> shift) & 63];
    }
    if (const std::size_t left = bytes.size() - i; left > 0) {
        std::uint32_t n = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
        if (left == 2) n |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
        out += kBase64[(n >> 18) & 63];
        out += kBase64[(n >> 12) & 63];
        out += left == 2 ? kBase64[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        const int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
        if (pad == 1 && text[i + 2] == '=') return std::nullopt;  // "x=y=" is not padding
        std::uint32_t n = 0;
        for (int k = 0; k < 4; ++k) {
            const int v = k >= 4 - pad ? 0 : base64_value(text[i + k]);
            if (v < 0) return std::nullopt;
            n = (n << 6) | static_cast<std::uint32_t>(v);
        }
        out += static_cast<char>((n >> 16) & 0xFF);
        if (pad < 2) out += static_cast<char>((n >> 8) & 0xFF);
        if (pad < 1) out += static_cast<char>(n & 0xFF);
        // The bits that padding stands for must be zero: one text for one file.
        if ((pad == 1 && (n & 0xFF) != 0) || (pad == 2 && (n & 0xFFFF) != 0)) return std::nullopt;
    }
    return out;
}

std::optional<Multipart> parse_multipart(std::string_view content_type, std::string_view body) {
    const std::string type = text::lower_ascii(content_type.substr(0, content_type.find(';')));
    if (type != "multipart/form-data") return std::nullopt;
    const auto boundary = header_param(content_type, "boundary");
    if (!boundary || boundary->empty() || boundary->size() > 200) return std::nullopt;
    const std::string delimiter = "--" + *boundary;
    Multipart out;
    std::size_t pos = body.find(delimiter);
    if (pos == std::string_view::npos) return std::nullopt;
    for (;;) {
        pos += delimiter.size();
        if (body.substr(pos, 2) == "--") return out;  // the closing delimiter
        if (body.substr(pos, 2) != "\r\n") return std::nullopt;
        pos += 2;
        const auto headers_end = body.find("\r\n\r\n", pos);
        if (headers_end == std::string_view::npos) return std::nullopt;
        const std::string_view headers = body.substr(pos, headers_end - pos);
        const auto next = body.find("\r\n" + delimiter, headers_end + 4);
        if (next == std::string_view::npos) return std::nullopt;
        const std::string_view data = body.substr(headers_end + 4, next - headers_end - 4);
        std::optional<std::string> name;
        std::optional<std::string> filename;
        std::size_t line_start = 0;
        while (line_start <= headers.size()) {
            auto line_end = headers.find("\r\n", line_start);
            if (line_end == std::string_view::npos) line_end = headers.size();
            const std::string_view line = headers.substr(line_start, line_end - line_start);
            line_start = line_end + 2;
            const auto colon = line.find(':');
            if (colon == std::string_view::npos) continue;
            if (text::lower_ascii(line.substr(0, colon)) != "content-disposition") continue;
            name = header_param(line, "name");
            filename = header_param(line, "filename");
        }
        if (!name) return std::nullopt;
        if (filename) {
            out.files[*name] = Upload{*filename, std::string(data)};
        } else {
            if (!valid_utf8(data)) return std::nullopt;
            out.fields.add(*name, std::string(data));
        }
        pos = next + 2;
    }
}

std::string cookie_header(std::string_view name, std::string_view value, bool secure, std::optional<long> max_age,
                          bool http_only) {
    std::string out;
    out.append(name).append("=").append(value).append("; Path=/; SameSite=Lax");
    if (http_only) out += "; HttpOnly";
    if (secure) out += "; Secure";
    if (max_age) out += "; Max-Age=" + std::to_string(*max_age);
    return out;
}

std::string pick_language(const Request& req, std::string_view person_choice) {
    if (person_choice == "sv" || person_choice == "en") return std::string(person_choice);
    std::string chosen = req.cookie("mina_lang");
    if (chosen == "sv" || chosen == "en") return chosen;
    // The first of sv/en that the browser lists, in its order (q-values are rarely needed here).
    const std::string al = text::lower_ascii(req.header("accept-language"));
    std::size_t pos = 0;
    while (pos < al.size()) {
        auto end = al.find(',', pos);
        std::string_view item =
            std::string_view(al).substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        if (item.starts_with("sv")) return "sv";
        if (item.starts_with("en")) return "en";
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return "sv";
}

std::optional<std::string> origin_of(std::string_view url) {
    auto u = boost::urls::parse_absolute_uri(url);
    if (!u || !u->has_authority() || u->host().empty()) return std::nullopt;
    const auto scheme = u->scheme_id();
    if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) return std::nullopt;
    // Only what a CSP source may hold: the host as written (letters, digits, '.', '-', '[', ']', ':').
    const std::string host(u->encoded_host_and_port());
    for (char c : host)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '[' || c == ']' || c == ':'))
            return std::nullopt;
    return std::string(u->scheme()) + "://" + host;
}

}  // namespace mina::web
