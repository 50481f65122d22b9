// Plain request and response values, so that handlers never see Beast (it stays in server.cpp).
#pragma once

#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mina::web {

struct Request {
    std::string method;                                        // "GET", "POST", …
    std::string path;                                          // decoded path, without the query
    std::string query;                                         // the raw query string, without '?'
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
    std::string body;
    std::string client_address;  // the peer, or the forwarded address from a trusted proxy
    bool secure = false;         // reached over TLS (directly or via a trusted proxy)
    std::string request_id;

    [[nodiscard]] std::string_view header(std::string_view lower_name) const;
    [[nodiscard]] std::string cookie(std::string_view name) const;
};

struct Response {
    int status = 200;
    std::string content_type = "text/html; charset=utf-8";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    /// Origins besides our own where a form on this page may end up after its redirects (CSP
    /// form-action): the service a login continues to (its registered redirect URI's origin).
    std::vector<std::string> form_targets;
    /// What must be on disk before this answer may go (a handler on an I/O thread, which never
    /// waits for a disk itself, hands its writes to a GroupCommit): the server calls it with a
    /// callback, which it calls once, from any thread, with null when the writes are durable. With
    /// an error the answer is a 503 instead, and what it would have said is never sent.
    std::function<void(std::function<void(std::exception_ptr)>)> after_writes;

    Response& header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
    static Response redirect(std::string location, int status = 303);
    static Response text(int status, std::string body);
    /// `{"error": message}` as application/json, not kept by any cache (docs/API.md).
    static Response json_error(int status, std::string_view message);
};

/// Every error answered on a path of the JSON API (`/api/…`) is `{"error": …}` as JSON, whoever
/// made it (a handler, the router's 404 and 405, the server's 400, 413 and 503): an answer of
/// status 400 or more in another type becomes one, its text kept when it is plain text, else a
/// sentence for its status. Anything else is left as it is.
void api_errors_as_json(std::string_view path, Response& res);

/// A parsed application/x-www-form-urlencoded body or query string.
class Form {
   public:
    /// Nothing when the text is malformed (bad %-escape) or a value is not valid UTF-8.
    static std::optional<Form> parse(std::string_view encoded);
    [[nodiscard]] std::string get(std::string_view name) const;
    /// The same without a copy (a file that rides along as a field): valid while the Form lives.
    [[nodiscard]] const std::string& value(std::string_view name) const;
    /// Every value of a repeated field (checkboxes), in order.
    [[nodiscard]] std::vector<std::string> all(std::string_view name) const;
    [[nodiscard]] bool has(std::string_view name) const;
    void add(std::string name, std::string value) { fields_.emplace(std::move(name), std::move(value)); }
    /// Every field, by name (a confirmation page sends them all again).
    [[nodiscard]] const std::multimap<std::string, std::string, std::less<>>& fields() const { return fields_; }

   private:
    std::multimap<std::string, std::string, std::less<>> fields_;
};

/// A file sent with a form.
struct Upload {
    std::string filename;  // as the browser named it; for showing only, never for a path
    std::string data;
};

/// A multipart/form-data body: the text fields as a Form, the files by field name.
struct Multipart {
    Form fields;
    std::map<std::string, Upload, std::less<>> files;
};

/// Nothing when the body is not multipart/form-data with the boundary that `content_type` names, or
/// a text field is not valid UTF-8.
[[nodiscard]] std::optional<Multipart> parse_multipart(std::string_view content_type, std::string_view body);

/// Text as a form may send it: well-formed UTF-8 (text::is_utf8) with no control character but
/// tab, CR and LF.
[[nodiscard]] bool valid_utf8(std::string_view s);

/// A header's name as RFC 9110 §5.1 has it: a token (letters, digits and !#$%&'*+-.^_`|~), not empty.
[[nodiscard]] bool valid_header_name(std::string_view name);
/// A header's value that can be written as it is: no control character (CR, LF, NUL, …) but the tab.
[[nodiscard]] bool valid_header_value(std::string_view value);
/// The first header of `res` (its Content-Type among them) that cannot be written as it is, by name;
/// nothing when every one can. The server answers 500 rather than write such a response.
[[nodiscard]] std::optional<std::string> unsafe_header(const Response& res);
/// What of a request target the access log writes (SPEC §4: no personal number in a log line): the
/// path without its query string (a search, or a hand-made URL, may carry a personal number, a
/// name or an e-mail address there; "?..." says one was there), and in the path every run of 10 or
/// more digits, with - + or spaces between them, written as "*" (a personal number in any form).
[[nodiscard]] std::string loggable_target(std::string_view target);

/// Percent-encodes everything but letters, digits and "-._~" (RFC 3986's unreserved characters),
/// for a value in a query string: boost::urls::encode.
[[nodiscard]] std::string url_encode(std::string_view s);

/// Bytes as base64 (RFC 4648 §4, with padding, no line breaks): for a file that a page carries in a
/// hidden field and a form sends back. The field then holds only ASCII letters, digits, + / and =,
/// which a browser sends back as they were; raw bytes it would not (it reads the page as UTF-8, so
/// bytes that are not UTF-8 come back as U+FFFD, and it sends every line break as CRLF).
[[nodiscard]] std::string base64_encode(std::string_view bytes);
/// The bytes of base64_encode's text; nothing for anything else (a character outside the alphabet,
/// a length that is not a multiple of 4, padding anywhere but at the end, bits left over).
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

/// "scheme://host[:port]" of an absolute http or https URL (a CSP source); nothing for anything else.
[[nodiscard]] std::optional<std::string> origin_of(std::string_view url);

/// The Set-Cookie value for our cookies: HttpOnly, SameSite=Lax, Path=/, Secure behind TLS.
[[nodiscard]] std::string cookie_header(std::string_view name, std::string_view value, bool secure,
                                        std::optional<long> max_age_seconds = std::nullopt, bool http_only = true);

/// The language to show: a choice made in Anpassa or by the language link wins; then the browser's
/// Accept-Language; Swedish by default.
[[nodiscard]] std::string pick_language(const Request& req, std::string_view person_choice);

}  // namespace mina::web
