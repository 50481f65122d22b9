// A form or a query string as every handler reads it (web::Form::parse, Boost.URL), with the cookie
// and Accept-Language headers read beside it. Invariants: every name and value is UTF-8 without
// control characters; url_encode of a value reads back the same.
#include <cstdint>
#include <string>

#include "web/http.hpp"

using namespace mina;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto form = web::Form::parse(text);
    if (form) {
        for (const char* name : {"username", "password", "csrf", "q", "a", ""}) {
            const std::string v = form->get(name);
            if (!web::valid_utf8(v)) __builtin_trap();
            const auto all = form->all(name);
            if (form->has(name) != !all.empty()) __builtin_trap();
            const auto back = web::Form::parse("x=" + web::url_encode(v));
            if (!back || back->get("x") != v) __builtin_trap();
        }
    }
    web::Request req;
    req.headers = {{"cookie", std::string(text)}, {"accept-language", std::string(text)}};
    (void)req.cookie("mina_session");
    const std::string lang = web::pick_language(req, "");
    if (lang != "sv" && lang != "en") __builtin_trap();
    return 0;
}
