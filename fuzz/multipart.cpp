// A multipart/form-data body as the file uploads read it (web::parse_multipart). The input's first
// line is the Content-Type header, the rest the body. Invariants: text fields are UTF-8; every file
// lies within the body.
#include <cstdint>
#include <functional>
#include <string>

#include "web/http.hpp"

using namespace mina;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto nl = text.find('\n');
    const std::string_view content_type = text.substr(0, nl);
    const std::string_view body = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    const auto parts = web::parse_multipart(content_type, body);
    if (!parts) return 0;
    for (const char* name : {"fil", "file", "csrf", "mode"}) {
        if (!web::valid_utf8(parts->fields.get(name))) __builtin_trap();
    }
    for (const auto& [name, upload] : parts->files) {
        if (upload.data.size() > body.size()) __builtin_trap();
        if (!upload.data.empty() && body.find(upload.data) == std::string_view::npos) __builtin_trap();
    }
    return 0;
}
