#include "web/qr.hpp"

#include <qrencode.h>

#include <memory>

namespace mina::web {

namespace {
/// Text for an attribute's value in double quotes.
std::string attribute(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            default: out += c;
        }
    }
    return out;
}
}  // namespace

std::string qr_svg(std::string_view text, std::string_view label) {
    const std::string input(text);  // libqrencode reads a NUL-terminated string
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
        QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
    if (!code) return {};
    constexpr int kQuiet = 4;  // the quiet zone the standard asks for, in modules
    const int width = code->width;
    const int size = width + 2 * kQuiet;
    std::string path;
    for (int y = 0; y < width; ++y)
        for (int x = 0; x < width; ++x)
            if ((code->data[y * width + x] & 1) != 0)
                path += "M" + std::to_string(x + kQuiet) + " " + std::to_string(y + kQuiet) + "h1v1h-1z";
    const std::string n = std::to_string(size);
    return "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + n + " " + n +
           "\" role=\"img\" aria-label=\"" + attribute(label) + "\" shape-rendering=\"crispEdges\"><rect width=\"" + n +
           "\" height=\"" + n + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
}

}  // namespace mina::web
